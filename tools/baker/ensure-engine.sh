#!/usr/bin/env bash
# tools/baker/ensure-engine.sh [MAJOR]: the daemonless baker restores dumps with this host's PostgreSQL
# server binaries (Debian's postgresql-MAJOR, the package the base image is built from). Installs them
# when missing, without creating or starting a cluster. Prints the bin directory.
set -euo pipefail
MAJOR="${1:-${PG_MAJOR:-15}}"
BIN="/usr/lib/postgresql/$MAJOR/bin"
log() { echo "[baker] $*" >&2; }
if [ ! -x "$BIN/postgres" ] || [ ! -x "$BIN/pg_restore" ]; then
  [ "$(id -u)" = 0 ] || { log "PostgreSQL $MAJOR is not installed; run: sudo apt-get install -y postgresql-$MAJOR"; exit 1; }
  log "installing postgresql-$MAJOR (Debian) for host restores…"
  # No 'main' cluster: nothing should run on this host, only the binaries are used.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/dbplace-no-main.conf
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "postgresql-$MAJOR" >&2 || { apt-get update -q >&2 && apt-get install -y -q "postgresql-$MAJOR" >&2; }
fi
[ -x "$BIN/postgres" ] || { log "$BIN/postgres is still missing after the install"; exit 1; }
echo "$BIN"
