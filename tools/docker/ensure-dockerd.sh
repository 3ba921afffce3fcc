#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock, installing and
# starting one if needed. Idempotent: safe to call from every test run and CI.
#
# These machines have no systemd and no internet except Debian/npm/Go
# mirrors, so we install Debian's docker.io and run dockerd ourselves in the
# background, logging to the dbplace cache dir.
#
# Also installs what the bake tooling needs on the host: debootstrap (base
# image) and the PostgreSQL 15 client (pg_dump/pg_restore for dump checks).
set -euo pipefail

CACHE="${DBPLACE_CACHE:-$HOME/.cache/dbplace}"
SOCK="${DOCKER_SOCK:-/var/run/docker.sock}"
mkdir -p "$CACHE"

log() { echo "[ensure-dockerd] $*" >&2; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
command -v pg_restore >/dev/null 2>&1 || need_pkgs+=(postgresql-client-15)
# pgbench ships in postgresql-contrib on bookworm hosts; only the bench needs it.
command -v pgbench >/dev/null 2>&1 || need_pkgs+=(postgresql-contrib)

if ((${#need_pkgs[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing packages ${need_pkgs[*]} and not root: install them with apt-get and re-run."
    exit 1
  fi
  log "installing ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A fresh machine has empty package lists; update once, quietly.
  if ! apt-get install -y -q "${need_pkgs[@]}" >"$CACHE/apt.log" 2>&1; then
    apt-get update -q >>"$CACHE/apt.log" 2>&1
    apt-get install -y -q "${need_pkgs[@]}" >>"$CACHE/apt.log" 2>&1 || {
      log "apt-get install ${need_pkgs[*]} failed; see $CACHE/apt.log"; exit 1; }
  fi
fi

ping_docker() { docker -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ping_docker; then
  exit 0
fi

# No pgrep: procps is not guaranteed on a fresh machine.
if [[ -s /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
  log "dockerd is running but not answering yet; waiting"
else
  if [[ $(id -u) -ne 0 ]]; then
    log "dockerd is not running and starting it needs root; run this script as root."
    exit 1
  fi
  log "starting dockerd (log: $CACHE/dockerd.log)"
  # setsid + nohup: the daemon must outlive the test runner or CI step that
  # started it; otherwise a later step finds a dead socket.
  setsid nohup dockerd -H "unix://$SOCK" ${DOCKERD_ARGS:-} >>"$CACHE/dockerd.log" 2>&1 </dev/null &
fi

for _ in $(seq 1 120); do
  if ping_docker; then
    log "docker engine $(docker -H "unix://$SOCK" version --format '{{.Server.Version}}') is ready"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer on $SOCK within 60 s; last log lines:"
tail -n 20 "$CACHE/dockerd.log" >&2 || true
exit 1
