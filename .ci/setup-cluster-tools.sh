#!/usr/bin/env bash
# Installs the servers the cluster-mode tests run for real: redis-server and haproxy, from
# Debian. The tests start their own throw-away instances on free loopback ports
# (sim/servers/redis.ts, sim/servers/haproxy.ts); nothing here starts, stops or configures a
# system service, and no test uses one. With CI set, those tests fail rather than skip when a
# binary is missing, so CI must run this first. Idempotent: installs only what is missing and
# runs apt-get update only when it has something to install.
set -euo pipefail

log() { echo "setup-cluster-tools: $*"; }

# haproxy lives in /usr/sbin, which is not on every user's PATH.
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]; }

MISSING=()
have redis-server || MISSING+=(redis-server)
have haproxy || MISSING+=(haproxy)

if [ "${#MISSING[@]}" -eq 0 ]; then
  log "redis-server and haproxy already installed"
  exit 0
fi

# apt-get needs root; CI and the developer machines run as root, elsewhere use sudo if present.
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    log "need root (or sudo) to apt-get install ${MISSING[*]}" >&2
    exit 1
  fi
fi

# Debian's packages start their service on install where an init system allows it. The tests
# never use such a service; to keep the machine quiet, forbid service starts for the duration
# of the install (policy-rc.d exit 101 = "action forbidden"), unless a policy is already set.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod 755 "$POLICY"
  trap '$SUDO rm -f "$POLICY"' EXIT
fi

log "installing ${MISSING[*]}"
$SUDO apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${MISSING[@]}"
have redis-server && have haproxy
log "installed ${MISSING[*]}"
