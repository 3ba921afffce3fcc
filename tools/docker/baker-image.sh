#!/usr/bin/env bash
# Build dbplace/baker:<major>, the image of the in-cluster re-bake Job: the project's PostgreSQL base
# (whose binaries restore the dump), the daemonless baker (tools/baker), this host's node running the
# compiled bake library (components/bake, the code `npm run bake` runs), and an OCI layout of the base
# itself, which every bake writes its data layer over. No registry is needed to build it.
# Cached by a recipe hash label, like base-image.sh. Usage: tools/docker/baker-image.sh [--force]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
MAJOR="${PG_MAJOR:-15}"
BASE="${BASE_IMAGE:-dbplace/postgres:$MAJOR}"
IMAGE="${BAKER_IMAGE:-dbplace/baker:$MAJOR}"
log() { echo "[baker-image] $*" >&2; }

"$HERE/ensure-dockerd.sh"
"$HERE/base-image.sh" >&2
BAKER="$("$REPO/tools/baker/build.sh")"
NODE="$(command -v node)"
base_id="$(docker image inspect --format '{{.Id}}' "$BASE")"
RECIPE="$( (cat "$HERE/baker-image.sh" "$HERE/baker/Dockerfile" "$REPO"/components/bake/*.ts "$REPO"/components/*.ts "$BAKER" "$NODE"; echo "$base_id") | sha256sum | cut -c1-16)"
if [ "${1:-}" != "--force" ] && [ "$(docker image inspect --format '{{index .Config.Labels "dbplace.recipe"}}' "$IMAGE" 2>/dev/null || true)" = "$RECIPE" ]; then
  log "$IMAGE is up to date ($RECIPE)"; exit 0
fi

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
log "compiling components/bake"
(cd "$REPO" && node_modules/.bin/tsc --outDir "$ctx/lib" --rootDir components --module commonjs --target es2022 \
  --esModuleInterop --skipLibCheck --types node --typeRoots node_modules/@types components/bake/loop-job.ts)
cp "$BAKER" "$ctx/dbplace-bake"
cp "$NODE" "$ctx/node"
log "exporting $BASE as an OCI layout"
docker save -o "$ctx/base.tar" "$BASE"
"$BAKER" convert --from "docker-archive:$ctx/base.tar" --to "oci:$ctx/base" --tag "$BASE" >/dev/null
rm -f "$ctx/base.tar"
# The Job runs as postgres: every file it reads must be world-readable (the baker writes blobs 0600).
chmod -R a+rX "$ctx"
cp "$HERE/baker/Dockerfile" "$ctx/Dockerfile"
docker build -q --build-arg "BASE=$BASE" --label "dbplace.recipe=$RECIPE" -t "$IMAGE" "$ctx" >/dev/null
log "built $IMAGE ($RECIPE)"
