#!/usr/bin/env bash
# tools/baker/build.sh: build dbplace-bake (this directory's Go program, go-containerregistry from the Go
# module proxy) into the tools cache, keyed by a hash of its sources, and print the binary's path.
# Re-runs with unchanged sources print the cached path at once. Uses the shared GOMODCACHE/GOCACHE
# of tools/toolchain (~/.cache/dbplace-tools/go/{mod,build}).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}"
log() { echo "[baker] $*" >&2; }
command -v go >/dev/null || PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { log "go not found on PATH (Go >= 1.24 is needed; /usr/local/go/bin?)"; exit 1; }
hash="$(cd "$HERE" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-12)"
out="$CACHE/dbplace-bake-$hash/bin/dbplace-bake"
if [ ! -x "$out" ]; then
  log "building dbplace-bake ($hash)…"
  export GOMODCACHE="${DBPLACE_GOMODCACHE:-$CACHE/go/mod}" GOCACHE="${DBPLACE_GOCACHE:-$CACHE/go/build}"
  export GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=0
  mkdir -p "$(dirname "$out")" "$CACHE/bin"
  (cd "$HERE" && go build -trimpath -ldflags "-s -w" -o "$out.tmp" .) || { log "build failed (output above)"; exit 1; }
  mv "$out.tmp" "$out"
  log "built $out"
fi
ln -sfn "$out" "$CACHE/bin/dbplace-bake"
echo "$out"
