#!/usr/bin/env bash
# Installs (if needed) and starts a throw-away PostgreSQL cluster for the data-layer tests, and
# prints `export FAIRWAY_TEST_PG_URL=postgres://…` as its LAST line so CI can `eval` it:
#
#   eval "$(bash .ci/setup-postgres.sh | tail -n 1)"
#
# Safe to run twice: every step checks before it acts. Runs as root on Debian. PostgreSQL
# refuses to run as root, so the cluster is driven through pg_ctlcluster (which drops to the
# `postgres` user) and SQL is run with `runuser -u postgres`. Everything but the last line
# goes to stderr.
set -euo pipefail

PORT="${FAIRWAY_PG_PORT:-54329}"      # not 5432: leave any operator's default cluster alone
CLUSTER="fairway_test"
ROLE="fairway_test"
PASSWORD="fairway_test"              # loopback-only test cluster; not a secret
DATABASE="fairway_test"

log() { echo "setup-postgres: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs packages and manages a cluster)"
  exit 1
fi

# 1. Install once. apt-get update only when the server is actually missing.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null; then
  log "installing postgresql"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
fi
VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"

# The socket directory is a tmpfs path on most systems; a container may not have it yet.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql

# 2. A dedicated cluster on a loopback port.
if ! pg_lsclusters -h | awk '{print $1 "/" $2}' | grep -qx "$VERSION/$CLUSTER"; then
  log "creating cluster $VERSION/$CLUSTER on port $PORT"
  pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" -- --auth-local=peer --auth-host=scram-sha-256 >&2
fi
CONF="/etc/postgresql/$VERSION/$CLUSTER"
# Our settings live in one file of Debian's include_dir, rewritten on every run (idempotent).
install -d -o postgres -g postgres "$CONF/conf.d"
cat >"$CONF/conf.d/fairway-test.conf" <<CONFIG
port = $PORT
listen_addresses = '127.0.0.1'
max_connections = 200
# The data is disposable: trade crash safety for test speed. Never copy these to production.
fsync = off
synchronous_commit = off
full_page_writes = off
CONFIG
chown postgres:postgres "$CONF/conf.d/fairway-test.conf"

if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c {print $4}' | grep -q online; then
  log "starting cluster"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

# Wait until it accepts connections (start returns once the postmaster is up, not always ready).
for _ in $(seq 1 50); do
  if runuser -u postgres -- pg_isready -q -h /var/run/postgresql -p "$PORT"; then break; fi
  sleep 0.2
done

psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$PORT" "$@"; }

# 3. Role and database, created only if missing.
psql_admin -d postgres >&2 <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SELECT 'CREATE DATABASE $DATABASE OWNER $ROLE'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$DATABASE')\gexec
SQL

log "ready: $CONF, port $PORT"
echo "export FAIRWAY_TEST_PG_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
