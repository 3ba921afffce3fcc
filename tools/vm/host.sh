#!/usr/bin/env bash
# Host side of `npm run test:vm`: a Docker engine (and debootstrap, via ensure-dockerd.sh), a
# `name=systemd` cgroup v1 hierarchy for the VMs' systemd (docker binds each container its own
# subtree of it; a host without systemd has none until this mounts it), and the VM image.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/../docker/ensure-dockerd.sh"
if [[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ]] && ! mountpoint -q /sys/fs/cgroup/systemd; then
  echo "[vm-host] mounting the name=systemd cgroup hierarchy" >&2
  mkdir -p /sys/fs/cgroup/systemd
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
fi
"$HERE/image.sh"
