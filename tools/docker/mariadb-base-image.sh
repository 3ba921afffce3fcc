#!/usr/bin/env bash
# Build dbplace/mariadb:<version> without any registry, from the debootstrap
# rootfs base-image.sh imports for postgres (dbplace/postgres-rootfs:<major>):
# a docker build swaps postgres for Debian's mariadb-server through apt.
# Debian bookworm ships MariaDB 10.11, not MySQL 8.
# Cached: exits early when the image carries the same recipe hash label.
# Usage: tools/docker/mariadb-base-image.sh [--force]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSION="${MARIADB_VERSION:-10.11}"
IMAGE="${MARIADB_BASE_IMAGE:-dbplace/mariadb:$VERSION}"
ROOTFS_IMAGE="dbplace/postgres-rootfs:${PG_MAJOR:-15}"
FORCE=0
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    *) echo "unknown argument $a; usage: $0 [--force]" >&2; exit 2 ;;
  esac
done
log() { echo "[mariadb-base-image] $*" >&2; }

"$HERE/ensure-dockerd.sh"
# The shared rootfs (and its lock) comes from the postgres base image script.
if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then "$HERE/base-image.sh" --no-exporter; fi

RECIPE="$(cat "$HERE/mariadb-base-image.sh" "$HERE/mariadb/Dockerfile" "$HERE/mariadb/docker-entrypoint.sh" \
  | sha256sum | cut -c1-16)-$VERSION"
have="$(docker image inspect -f '{{index .Config.Labels "dbplace.recipe"}}' "$IMAGE" 2>/dev/null || true)"
if [[ $FORCE == 0 && "$have" == "$RECIPE" ]]; then log "$IMAGE is up to date (recipe $RECIPE)"; exit 0; fi

log "docker build $IMAGE (apt-get install mariadb-server; about a minute)"
old_id="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
if ! out="$(DOCKER_BUILDKIT=0 docker build --network host \
    --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" --label "dbplace.recipe=$RECIPE" \
    --label "dbplace.role=mariadb-base" -t "$IMAGE" "$HERE/mariadb" 2>&1)"; then
  echo "$out" | tail -n 30 >&2
  log "docker build of $IMAGE failed (output above); check that the Debian mirror is reachable."
  exit 1
fi
got="$(docker run --rm --entrypoint mariadbd "$IMAGE" --version)"
case "$got" in *"$VERSION"*) ;; *) log "expected MariaDB $VERSION, the image has: $got"; exit 1 ;; esac
new_id="$(docker image inspect -f '{{.Id}}' "$IMAGE")"
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')): $got"
