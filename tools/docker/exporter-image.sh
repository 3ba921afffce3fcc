#!/usr/bin/env bash
# Build dbplace/postgres-exporter:<ver> offline: compile
# github.com/prometheus-community/postgres_exporter from the Go module proxy
# (a static binary) and `docker import` it with a passwd entry for nobody.
# `go install mod@ver` cannot be used: it asks the proxy for the module's
# version list (to check deprecation), which this mirror refuses, so we build
# from a throwaway wrapper module instead.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DBPLACE_CACHE:-$HOME/.cache/dbplace}"
VER="${EXPORTER_VERSION:-v0.17.1}"
IMAGE="dbplace/postgres-exporter:${VER#v}"
MOD=github.com/prometheus-community/postgres_exporter
BIN="$CACHE/bin/postgres_exporter-$VER"

log() { echo "[exporter-image] $*" >&2; }

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "$IMAGE exists"; exit 0
fi
command -v go >/dev/null || { log "Go is not installed; cannot build postgres_exporter $VER."; exit 1; }

if [[ ! -x "$BIN" ]]; then
  work="$CACHE/go/postgres_exporter-$VER"
  mkdir -p "$work" "$CACHE/bin"
  (
    cd "$work"
    [[ -f go.mod ]] || printf 'module dbplace.local/exporterbuild\n\ngo 1.23\n' >go.mod
    printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd/postgres_exporter"\n' "$MOD" >tools.go
    log "fetching $MOD@$VER from the Go module proxy"
    go get "$MOD/cmd/postgres_exporter@$VER" >/dev/null
    log "compiling (about a minute)"
    CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/prometheus/common/version.Version=${VER#v}" \
      -o "$BIN.tmp" "$MOD/cmd/postgres_exporter"
    mv "$BIN.tmp" "$BIN"
  )
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$BIN" "$root/bin/postgres_exporter"
echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$root/etc/passwd"
echo 'nogroup:x:65534:' >"$root/etc/group"
tar -C "$root" --numeric-owner -c . | docker import \
  --change 'USER 65534' --change 'EXPOSE 9187' \
  --change 'ENTRYPOINT ["/bin/postgres_exporter"]' \
  - "$IMAGE" >/dev/null
log "built $IMAGE"
