#!/usr/bin/env bash
# Installs the Eclipse Mosquitto command-line clients (mosquitto_pub, mosquitto_sub) and the
# Mosquitto broker from Debian. test/broker/server uses the clients as an independent,
# non-Node MQTT 3.1.1 client to check the broker's isolation rules; the fleet bench (and its
# test) starts its own Mosquitto broker as the yardstick for the chunk path (issue 12 §8) —
# the packaged service is not used. With CI set those tests fail rather than skip when the
# binaries are missing, so CI must run this first. Idempotent: does nothing if they exist.
set -euo pipefail

if command -v mosquitto_pub >/dev/null 2>&1 && command -v mosquitto_sub >/dev/null 2>&1 && [ -x /usr/sbin/mosquitto ]; then
  echo "setup-mosquitto: $(command -v mosquitto_pub) and /usr/sbin/mosquitto already installed"
  exit 0
fi

# apt-get needs root; CI and the developer machines run as root, elsewhere use sudo if present.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup-mosquitto: need root (or sudo) to apt-get install mosquitto-clients" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends mosquitto-clients mosquitto
echo "setup-mosquitto: installed $(command -v mosquitto_pub), $(command -v mosquitto_sub) and /usr/sbin/mosquitto"
