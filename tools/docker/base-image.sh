#!/usr/bin/env bash
# Build dbplace/postgres:15 without any registry: debootstrap a minimal
# bookworm with postgresql-15, `docker import` it, then a tiny `docker build`
# adds the entrypoint (official-image env contract) and VOLUME.
#
# Cached: the rootfs tarball lives in $DBPLACE_CACHE/rootfs and the script
# exits early when the image exists with the same recipe hash label.
# Usage: tools/docker/base-image.sh [--force] [--no-exporter]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DBPLACE_CACHE:-$HOME/.cache/dbplace}"
MAJOR="${PG_MAJOR:-15}"
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
IMAGE="${BASE_IMAGE:-dbplace/postgres:$MAJOR}"
ROOTFS_IMAGE="dbplace/postgres-rootfs:$MAJOR"
ROOTFS_TAR="$CACHE/rootfs/$SUITE-postgresql-$MAJOR.tar"
FORCE=0 EXPORTER=1
for a in "$@"; do
  case "$a" in
    --force) FORCE=1 ;;
    --no-exporter) EXPORTER=0 ;;
    *) echo "unknown argument $a; usage: $0 [--force] [--no-exporter]" >&2; exit 2 ;;
  esac
done

log() { echo "[base-image] $*" >&2; }

"$HERE/ensure-dockerd.sh"

# One builder at a time (CI and a test run may start together).
mkdir -p "$CACHE/rootfs"
exec 9>"$CACHE/rootfs/.lock"
flock 9

# The recipe hash covers everything that shapes the image, so editing the
# entrypoint rebuilds the (cheap) top layer without re-running debootstrap.
RECIPE="$(cat "$HERE/base-image.sh" "$HERE/postgres/Dockerfile" "$HERE/postgres/docker-entrypoint.sh" \
  | sha256sum | cut -c1-16)-$SUITE-$MAJOR-jit${DBPLACE_KEEP_JIT:-0}"
have="$(docker image inspect -f '{{index .Config.Labels "dbplace.recipe"}}' "$IMAGE" 2>/dev/null || true)"
if [[ $FORCE == 0 && "$have" == "$RECIPE" ]]; then
  log "$IMAGE is up to date (recipe $RECIPE)"
else
  if [[ $FORCE == 1 || ! -s "$ROOTFS_TAR" ]]; then
    command -v debootstrap >/dev/null || { log "debootstrap is missing; run tools/docker/ensure-dockerd.sh first."; exit 1; }
    dir="$CACHE/rootfs/$SUITE-postgresql-$MAJOR.d"
    rm -rf "$dir"; mkdir -p "$dir"
    log "debootstrap $SUITE + postgresql-$MAJOR from $MIRROR (about a minute; log: $CACHE/rootfs/debootstrap.log)"
    if ! debootstrap --variant=minbase --include="postgresql-$MAJOR" "$SUITE" "$dir" "$MIRROR" \
        >"$CACHE/rootfs/debootstrap.log" 2>&1; then
      tail -n 20 "$CACHE/rootfs/debootstrap.log" >&2
      log "debootstrap failed; check that $MIRROR is reachable (set DEBIAN_MIRROR to another mirror)."
      exit 1
    fi
    # postgresql-common creates a 'main' cluster on install; the image must
    # start empty (initdb happens in the entrypoint or in the bake).
    rm -rf "$dir/var/lib/postgresql/$MAJOR" "$dir/etc/postgresql/$MAJOR"
    # Package caches, docs and translations are dead weight in every replica.
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
      "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* \
      "$dir"/var/log/*.log "$dir"/var/cache/debconf/*-old
    find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'locale.alias' -exec rm -rf {} +
    rm -rf "$dir/usr/share/i18n"
    # LLVM JIT (libLLVM + libz3, ~130 MB of a ~370 MB rootfs) is only loaded by
    # llvmjit.so; without it postgres silently runs with JIT unavailable. JIT
    # rarely pays off for the short OLTP reads replicas serve, and every MB
    # here is pulled by every new replica node. DBPLACE_KEEP_JIT=1 keeps it.
    if [[ "${DBPLACE_KEEP_JIT:-0}" != 1 ]]; then
      rm -f "$dir/usr/lib/postgresql/$MAJOR/lib/llvmjit.so" "$dir/usr/lib/postgresql/$MAJOR/lib/llvmjit_types.bc"
      rm -rf "$dir/usr/lib/postgresql/$MAJOR/lib/bitcode"
      rm -f "$dir"/usr/lib/x86_64-linux-gnu/libLLVM-*.so* "$dir"/usr/lib/x86_64-linux-gnu/libz3.so*
    fi
    chroot "$dir" /bin/sh -c "
      set -e
      mkdir -p /var/lib/postgresql/data /var/lib/dbplace /var/run/postgresql /docker-entrypoint-initdb.d
      chown postgres:postgres /var/lib/postgresql /var/lib/postgresql/data /var/lib/dbplace /var/run/postgresql
      chmod 700 /var/lib/postgresql/data
      chmod 2775 /var/run/postgresql
    "
    # /dev, /proc and /sys are provided by the runtime; device nodes in a
    # layer would also break 'COPY --from' in the bake.
    tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' \
      -cf "$ROOTFS_TAR.tmp" .
    mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$dir"
    docker image rm "$ROOTFS_IMAGE" >/dev/null 2>&1 || true
  fi
  if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
    log "docker import $ROOTFS_IMAGE"
    docker import \
      --change "ENV PATH=/usr/lib/postgresql/$MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
      --change "ENV LANG=C.UTF-8" --change "ENV TZ=UTC" --change "ENV PG_MAJOR=$MAJOR" \
      --change "USER postgres" --change "WORKDIR /var/lib/postgresql" \
      "$ROOTFS_TAR" "$ROOTFS_IMAGE" >/dev/null
  fi
  log "docker build $IMAGE"
  old_id="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  # Classic builder: works against any daemon and needs no buildx plugin.
  if ! out="$(DOCKER_BUILDKIT=0 docker build --network host \
      --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" --label "dbplace.recipe=$RECIPE" \
      --label "dbplace.role=postgres-base" -t "$IMAGE" "$HERE/postgres" 2>&1)"; then
    echo "$out" >&2
    log "docker build of $IMAGE failed (output above)."
    exit 1
  fi
  new_id="$(docker image inspect -f '{{.Id}}' "$IMAGE")"
  # Drop the image we just replaced; ignore failure (a container may use it).
  if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
  log "built $IMAGE ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
fi

if [[ $EXPORTER == 1 ]]; then
  "$HERE/exporter-image.sh" || log "warning: the postgres_exporter image could not be built (see above); the base image is fine."
fi
