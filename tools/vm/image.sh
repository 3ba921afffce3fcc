#!/usr/bin/env bash
# Build dbplace/vm-test:bookworm, the "cloud VM" the boot-script tier runs: a debootstrapped Debian 12
# with systemd as PID 1, the packages the VM scripts install (so their apt-get calls are satisfied
# offline), and the fake cloud (metadata server, cloud CLIs, boot-script runners) from tools/vm/image/.
#
# Cached like tools/docker/base-image.sh: the debootstrap tarball lives in $DBPLACE_CACHE/vm and
# only a change of the package list re-runs it; a change under tools/vm/image/ rebuilds the top layer.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DBPLACE_CACHE:-$HOME/.cache/dbplace}/vm"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
IMAGE="${VM_IMAGE:-dbplace/vm-test:bookworm}"
# What the scripts apt-get install on a stock Debian 12 cloud image, plus systemd and the tools the
# fake cloud itself uses (python3 for the metadata server, iproute2 for the link-local address).
# docker.io: the baked-replica hosts run the baked image in a container engine inside the VM.
PACKAGES="systemd,systemd-sysv,dbus,postgresql-15,postgresql-common,postgresql-client-15,mariadb-server,mariadb-client,ssl-cert,sudo,curl,ca-certificates,gnupg,cron,rsync,openssl,python3,e2fsprogs,iproute2,procps,util-linux,mount,logrotate,bsdutils,docker.io"
ROOTFS_KEY="$(echo "$PACKAGES" | sha256sum | cut -c1-12)"
ROOTFS_TAR="$CACHE/bookworm-vm-$ROOTFS_KEY.tar"
ROOTFS_IMAGE="dbplace/vm-test-rootfs:$ROOTFS_KEY"

log() { echo "[vm-image] $*" >&2; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

RECIPE="$ROOTFS_KEY-$( (cat "$HERE/image.sh"; find "$HERE/image" -type f | sort | xargs cat) | sha256sum | cut -c1-16)"
have="$(docker image inspect -f '{{index .Config.Labels "dbplace.recipe"}}' "$IMAGE" 2>/dev/null || true)"
if [[ "$have" == "$RECIPE" ]]; then
  log "$IMAGE is up to date"
  exit 0
fi

if [[ ! -s "$ROOTFS_TAR" ]]; then
  command -v debootstrap >/dev/null || { log "debootstrap is missing (tools/docker/ensure-dockerd.sh installs it)"; exit 1; }
  dir="$CACHE/rootfs.d"
  rm -rf "$dir"; mkdir -p "$dir"
  log "debootstrap bookworm with systemd + postgresql-15 (a few minutes; log: $CACHE/debootstrap.log)"
  if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$dir" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE/debootstrap.log" >&2
    log "debootstrap failed; is $MIRROR reachable? (DEBIAN_MIRROR picks another)"
    exit 1
  fi
  # A cloud image boots with no database cluster; the scripts create theirs on the data disk.
  rm -rf "$dir/var/lib/postgresql/15" "$dir/etc/postgresql/15"
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/usr/share/doc/* "$dir"/usr/share/man/*
  tar -C "$dir" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$ROOTFS_TAR.tmp" .
  mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
  rm -rf "$dir"
fi

if ! docker image inspect "$ROOTFS_IMAGE" >/dev/null 2>&1; then
  log "docker import $ROOTFS_IMAGE"
  docker import --change "ENV container=docker" "$ROOTFS_TAR" "$ROOTFS_IMAGE" >/dev/null
fi

log "docker build $IMAGE"
old_id="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
if ! out="$(DOCKER_BUILDKIT=0 docker build --network none --build-arg "ROOTFS_IMAGE=$ROOTFS_IMAGE" \
    --label "dbplace.recipe=$RECIPE" -t "$IMAGE" "$HERE/image" 2>&1)"; then
  echo "$out" >&2; log "docker build failed"; exit 1
fi
new_id="$(docker image inspect -f '{{.Id}}' "$IMAGE")"
if [[ -n "$old_id" && "$old_id" != "$new_id" ]]; then docker image rm "$old_id" >/dev/null 2>&1 || true; fi
log "built $IMAGE"
