#!/usr/bin/env bash
# Builds the offline Pulumi + kwok toolchain from the Go module proxy into a cache outside the repo.
#
#   tools/toolchain/build.sh [--only NAME[,NAME…]] [--jobs N]
#
# Cache: ${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}
#   <component>-<version>/bin/   binaries of one component, keyed by version (re-runs are instant)
#   bin/                         symlinks to every binary (put this on PATH; env.sh does)
#   src/<component>-<version>/   the wrapper Go modules that were built
#   go/mod, go/build             GOMODCACHE and GOCACHE used for these builds
#   logs/<component>.log         full build output of the last build of each component
#
# Components: pulumi pulumi-language-nodejs pulumi-resource-docker pulumi-resource-random
#             pulumi-resource-kubernetes etcd kube kwok registry coredns local-path-provisioner
#             kube-router promtool
# (the local Docker stack needs the first four, so they come first)
# Exit status: 0 when every requested component is built (or cached), non-zero otherwise.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"

CACHE="${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}"
JOBS="${DBPLACE_TOOLCHAIN_JOBS:-2}"
ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --only) ONLY="$2"; shift ;;
    --only=*) ONLY="${1#--only=}" ;;
    --jobs) JOBS="$2"; shift ;;
    --jobs=*) JOBS="${1#--jobs=}" ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "[toolchain] unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done

log() { printf '[toolchain] %s\n' "$*"; }
die() { printf '[toolchain] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null || die "go not found on PATH (Go >= 1.26 is needed; /usr/local/go/bin?)"
command -v node >/dev/null || die "node not found on PATH (used to prepare the kubernetes provider schema)"

mkdir -p "$CACHE"/{bin,src,logs}
export GOMODCACHE="${DBPLACE_GOMODCACHE:-$CACHE/go/mod}"
export GOCACHE="${DBPLACE_GOCACHE:-$CACHE/go/build}"
export GOFLAGS="-mod=mod"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
# The checksum database has no entries for several github.com/pulumi module versions the proxy
# serves (e.g. "reading …/sumdb/sum.golang.org/lookup/github.com/pulumi/pulumi/pkg/v3@v3.248.0:
# 404 Not Found"); go.sum of each wrapper module still pins what was downloaded.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/pulumi/*"
BUILD_FLAGS=(-trimpath)

START_ALL=$(date +%s)

# ---- helpers -----------------------------------------------------------------------------------

# newmod DIR: start a fresh wrapper module directory.
newmod() { rm -rf "$1"; mkdir -p "$1"; }

# gobuild LDFLAGS OUTDIR PKG…
gobuild() {
  local ld="$1" out="$2"; shift 2
  mkdir -p "$out"
  go build "${BUILD_FLAGS[@]}" -ldflags "-s -w $ld" -o "$out/" "$@"
}

split_at() { # "mod@ver" -> "mod ver"
  printf '%s %s' "${1%@*}" "${1##*@}"
}

# ---- components --------------------------------------------------------------------------------
# Each build_<name> SRC OUT builds into OUT/bin (a temporary directory renamed into place on success).

build_pulumi() {
  local src="$1" out="$2" fork; fork=($(split_at "$PULUMI_CLIPBOARD_FORK"))
  newmod "$src"; cd "$src"
  cat > go.mod <<EOF
module dbplace.local/toolchain/pulumi

go 1.25

require (
	github.com/pulumi/pulumi/pkg/v3 v$PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION
)

replace github.com/atotto/clipboard => ${fork[0]} ${fork[1]}
EOF
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' > tools.go
  go mod tidy
  gobuild "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" "$out/bin" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_pulumi-language-nodejs() {
  local src="$1" out="$2" fork; fork=($(split_at "$PULUMI_CLIPBOARD_FORK"))
  newmod "$src"; cd "$src"
  cp "$HERE/go/pulumi-language-nodejs/main.go" .
  cat > go.mod <<EOF
module dbplace.local/toolchain/pulumi-language-nodejs

go 1.25

require github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION

replace github.com/atotto/clipboard => ${fork[0]} ${fork[1]}
EOF
  go mod tidy
  gobuild "-X main.version=$LANGUAGE_NODEJS_VERSION" "$out/bin" .
}

build_pulumi-resource-kubernetes() {
  local src="$1" out="$2" modpath=github.com/pulumi/pulumi-kubernetes/provider/v4
  newmod "$src"; cd "$src"
  cp "$HERE/go/pulumi-resource-kubernetes/main.go" .
  cat > go.mod <<EOF
module dbplace.local/toolchain/pulumi-resource-kubernetes

go 1.24

require $modpath $KUBERNETES_PROVIDER_MODULE
EOF
  local dir
  dir="$(go mod download -json "$modpath@$KUBERNETES_PROVIDER_MODULE" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -f "$dir/cmd/pulumi-resource-kubernetes/schema.json" ] || die "schema.json not found in $modpath@$KUBERNETES_PROVIDER_MODULE"
  # What the module's `go generate` (cmd/pulumi-resource-kubernetes/generate.go) would write.
  node -e '
    const fs = require("fs");
    const [schema, mapping, version] = process.argv.slice(1);
    const s = JSON.parse(fs.readFileSync(schema, "utf8"));
    s.version = version;
    fs.writeFileSync("schema-embed.json", JSON.stringify(s));
    fs.writeFileSync("terraform-mapping-embed.json", JSON.stringify(JSON.parse(fs.readFileSync(mapping, "utf8"))));
  ' "$dir/cmd/pulumi-resource-kubernetes/schema.json" "$dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" \
    "$KUBERNETES_PROVIDER_VERSION"
  go mod tidy
  gobuild "-X $modpath/pkg/version.Version=$KUBERNETES_PROVIDER_STAMP" "$out/bin" .
}

build_pulumi-resource-random() {
  local src="$1" out="$2" fork; fork=($(split_at "$TF_PLUGIN_SDK_V2_FORK"))
  newmod "$src"; cd "$src"
  cp -r "$HERE/go/pulumi-resource-random/." .
  cat > go.mod <<EOF
module dbplace.local/toolchain/pulumi-random

go 1.25

require (
	github.com/pulumi/pulumi-terraform-bridge/v3 $TF_BRIDGE_VERSION
	github.com/terraform-providers/terraform-provider-random/shim v0.0.0
)

replace github.com/terraform-providers/terraform-provider-random/shim => ./shim

replace github.com/hashicorp/terraform-plugin-sdk/v2 => ${fork[0]} ${fork[1]}
EOF
  cat > shim/go.mod <<EOF
module github.com/terraform-providers/terraform-provider-random/shim

go 1.25

require github.com/terraform-providers/terraform-provider-random $TF_RANDOM_MODULE
EOF
  (cd shim && go mod tidy)
  # tfgen needs the embedded metadata file to exist; it writes the real one.
  echo '{}' > info/bridge-metadata.json
  echo '{}' > cmd/pulumi-resource-random/schema.json
  go mod tidy
  local ld="-X dbplace.local/toolchain/pulumi-random/info.Version=$RANDOM_PROVIDER_STAMP"
  gobuild "$ld" "$src/.tfgen" ./cmd/pulumi-tfgen-random
  rm -rf "$src/.schema"
  "$src/.tfgen/pulumi-tfgen-random" schema --out "$src/.schema"
  cp "$src/.schema/schema.json" cmd/pulumi-resource-random/schema.json
  cp "$src/.schema/bridge-metadata.json" info/bridge-metadata.json
  gobuild "$ld" "$out/bin" ./cmd/pulumi-resource-random
}

build_etcd() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  cat > go.mod <<EOF
module dbplace.local/toolchain/etcd

go 1.25

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION
EOF
  printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > main.go
  go mod tidy
  gobuild "" "$out/bin" .
}

build_kube() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  local kmod; kmod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [ -f "$kmod" ] || die "could not download k8s.io/kubernetes@v$KUBE_VERSION"
  {
    printf 'module dbplace.local/toolchain/kube\n\ngo 1.26\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$KUBE_VERSION"
    # k8s.io/kubernetes replaces every staging module with ./staging/src/k8s.io/<x>; use the published ones.
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 v'"$KUBE_STAGING_VERSION"'#p' "$kmod"
    printf ')\n'
  } > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n\t_ "k8s.io/kubernetes/cmd/kubelet"\n\t_ "k8s.io/kubernetes/cmd/kube-proxy"\n)\n' > tools.go
  go mod tidy
  local ld="" minor; minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=v$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  gobuild "$ld" "$out/bin" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy
}

build_kwok() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  cat > go.mod <<EOF
module dbplace.local/toolchain/kwok

go 1.26

require sigs.k8s.io/kwok v$KWOK_VERSION
EOF
  printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "sigs.k8s.io/kwok/cmd/kwok"\n\t_ "sigs.k8s.io/kwok/cmd/kwokctl"\n)\n' > tools.go
  go mod tidy
  gobuild "-X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=v$KUBE_VERSION" \
    "$out/bin" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl
}

build_registry() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  printf 'module dbplace.local/toolchain/registry\n\ngo 1.26\n\nrequire github.com/distribution/distribution/v3 v%s\n' "$REGISTRY_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/distribution/distribution/v3/cmd/registry"\n' > tools.go
  go mod tidy
  gobuild "-X github.com/distribution/distribution/v3/version.version=v$REGISTRY_VERSION" "$out/bin" \
    github.com/distribution/distribution/v3/cmd/registry
}

# CoreDNS for the real node's cluster DNS (tools/cluster): only the plugins its Corefile uses.
build_coredns() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  printf 'module dbplace.local/toolchain/coredns\n\ngo 1.26\n\nrequire github.com/coredns/coredns v%s\n' "$COREDNS_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/coredns/coredns"\n' > tools.go
  go mod tidy
  gobuild "" "$out/bin" github.com/coredns/coredns
}

# The node's storage provisioner: hostPath volumes under the node's data directory.
build_local-path-provisioner() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  printf 'module dbplace.local/toolchain/local-path-provisioner\n\ngo 1.26\n\nrequire github.com/rancher/local-path-provisioner v%s\n' "$LOCAL_PATH_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/rancher/local-path-provisioner"\n' > tools.go
  go mod tidy
  gobuild "" "$out/bin" github.com/rancher/local-path-provisioner
}

# The node's NetworkPolicy enforcement: kube-router's firewall controller alone (iptables + ipset).
build_kube-router() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  printf 'module dbplace.local/toolchain/kube-router\n\ngo 1.26\n\nrequire github.com/cloudnativelabs/kube-router/v2 v%s\n' "$KUBE_ROUTER_VERSION" > go.mod
  printf '//go:build tools\n\npackage tools\n\nimport _ "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router"\n' > tools.go
  go mod tidy
  gobuild "" "$out/bin" github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}

build_promtool() {
  local src="$1" out="$2"
  newmod "$src"; cd "$src"
  printf 'module dbplace.local/toolchain/promtool\n\ngo 1.26\n\nrequire github.com/prometheus/prometheus v%s\n' "$PROMTOOL_MODULE" > go.mod
  # No `go mod tidy`: it downloads every module of every build tag (1.9 GB). With -mod=mod, go build
  # fetches only what promtool's packages import, and remove_all_sd leaves out the service-discovery
  # plugins (the cloud SDKs), which rule checks and rule tests never use.
  gobuild "-X github.com/prometheus/common/version.Version=$PROMTOOL_VERSION" "$out/bin" -tags remove_all_sd \
    github.com/prometheus/prometheus/cmd/promtool
}

build_pulumi-resource-docker() {
  # shellcheck source=docker.sh
  source "$HERE/docker.sh"
  build_docker_provider "$@"
}

# ---- plan --------------------------------------------------------------------------------------

# Components built from our own sources (go/<name>) are keyed by version + a hash of those sources.
srchash() { (cd "$HERE/go/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-8); }

COMPONENTS=(
  "pulumi:$PULUMI_VERSION:pulumi"
  "pulumi-language-nodejs:$LANGUAGE_NODEJS_VERSION-$(srchash pulumi-language-nodejs):pulumi-language-nodejs"
  "pulumi-resource-docker:$DOCKER_PROVIDER_STAMP-$(srchash pulumi-resource-docker):pulumi-resource-docker"
  "pulumi-resource-random:$RANDOM_PROVIDER_STAMP-$(srchash pulumi-resource-random):pulumi-resource-random"
  "pulumi-resource-kubernetes:$KUBERNETES_PROVIDER_STAMP-$(srchash pulumi-resource-kubernetes):pulumi-resource-kubernetes"
  "etcd:$ETCD_VERSION:etcd"
  "kube:$KUBE_VERSION-node:kube-apiserver,kube-controller-manager,kube-scheduler,kubectl,kubelet,kube-proxy"
  "kwok:$KWOK_VERSION:kwok,kwokctl"
  "registry:$REGISTRY_VERSION:registry"
  "coredns:$COREDNS_VERSION:coredns"
  "local-path-provisioner:$LOCAL_PATH_VERSION:local-path-provisioner"
  "kube-router:$KUBE_ROUTER_VERSION:kube-router"
  "promtool:$PROMTOOL_VERSION-nosd:promtool"
)
if [ -n "$ONLY" ]; then
  sel=()
  for c in "${COMPONENTS[@]}"; do
    case ",$ONLY," in *",${c%%:*},"*) sel+=("$c") ;; esac
  done
  [ ${#sel[@]} -gt 0 ] || die "--only $ONLY matches no component"
  COMPONENTS=("${sel[@]}")
fi
N=${#COMPONENTS[@]}

# Use a pulumi already on PATH when it is exactly the pinned version (and not ours).
external_pulumi=""
if p="$(command -v pulumi 2>/dev/null)" && [ "$(readlink -f "$p")" != "$(readlink -f "$CACHE/bin/pulumi" 2>/dev/null)" ]; then
  if [ "$("$p" version 2>/dev/null)" = "v$PULUMI_VERSION" ]; then external_pulumi="$p"; fi
fi

link_bins() { # DIR BIN…
  local dir="$1"; shift
  for b in "$@"; do ln -sfn "$dir/bin/$b" "$CACHE/bin/$b"; done
}

# run_component INDEX SPEC: builds (or reuses) one component; its output goes to logs/<name>.log.
run_component() {
  local i="$1" spec="$2"
  local name="${spec%%:*}" rest="${spec#*:}"; local ver="${rest%%:*}" bins="${rest#*:}"
  local out="$CACHE/$name-$ver" src="$CACHE/src/$name-$ver" logf="$CACHE/logs/$name.log"
  IFS=, read -r -a binv <<< "$bins"
  if [ "$name" = pulumi ] && [ -n "$external_pulumi" ]; then
    ln -sfn "$external_pulumi" "$CACHE/bin/pulumi"
    log "using pulumi on PATH: $external_pulumi (v$PULUMI_VERSION) ($i/$N)"
    return 0
  fi
  if [ -f "$out/.complete" ]; then
    link_bins "$out" "${binv[@]}"
    log "cached $name $ver ($i/$N)"
    return 0
  fi
  log "building $name $ver ($i/$N)…"
  local t0; t0=$(date +%s)
  rm -rf "$out.tmp"; mkdir -p "$out.tmp"
  # Not in an `if` condition: errexit is ignored there, even inside a subshell that sets it.
  local rc=0
  set +e
  ( set -euo pipefail; "build_$name" "$src" "$out.tmp" ) > "$logf" 2>&1
  rc=$?
  set -e
  if [ "$rc" = 0 ]; then
    for b in "${binv[@]}"; do
      [ -x "$out.tmp/bin/$b" ] || { log "FAILED $name: $b missing after build (log: $logf)"; return 1; }
    done
    rm -rf "$out"; mv "$out.tmp" "$out"; touch "$out/.complete"
    link_bins "$out" "${binv[@]}"
    log "built $name $ver in $(( $(date +%s) - t0 ))s ($i/$N)"
  else
    log "FAILED $name $ver after $(( $(date +%s) - t0 ))s; last lines of $logf:"
    tail -n 25 "$logf" | sed 's/^/    /' >&2
    return 1
  fi
}

log "cache: $CACHE ($N components, up to $JOBS at a time)"
failed=0
i=0
for spec in "${COMPONENTS[@]}"; do
  i=$((i + 1))
  # Keep at most $JOBS builds running (each go build already uses both cores while compiling,
  # but links and single big packages are serial, so 2 at a time keeps the machine busy).
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
  run_component "$i" "$spec" &
done
# Exit codes of `wait PID` are unreliable here: bash forgets a background job's status once `jobs`
# (above) has reported it ("wait: pid N is not a child of this shell"). Each build marks its own
# success in its output directory instead.
wait || true
for spec in "${COMPONENTS[@]}"; do
  name="${spec%%:*}"; rest="${spec#*:}"; ver="${rest%%:*}"
  if [ "$name" = pulumi ] && [ -n "$external_pulumi" ]; then continue; fi
  [ -f "$CACHE/$name-$ver/.complete" ] || { log "not built: $name $ver"; failed=1; }
done

if [ "$failed" != 0 ]; then
  die "one or more components failed (see the log lines above and $CACHE/logs/)"
fi

# The CLI looks for its "bundled" nodejs language plugin next to its own (symlink-resolved) binary,
# and with PULUMI_IGNORE_AMBIENT_PLUGINS=true (env.sh) nowhere else; bundled plugins cannot be
# registered with `pulumi plugin install`. So link our host next to our pulumi.
if [ -z "$external_pulumi" ] && [ -e "$CACHE/bin/pulumi" ] && [ -e "$CACHE/bin/pulumi-language-nodejs" ]; then
  ln -sfn "$CACHE/bin/pulumi-language-nodejs" "$(dirname "$(readlink -f "$CACHE/bin/pulumi")")/pulumi-language-nodejs"
fi

# Register the provider plugins under the versions the npm SDKs ask for (only once the engine is
# built: `--only promtool` on a clean machine has no pulumi to register them with, and needs none).
if [ -x "$CACHE/bin/pulumi" ] && [ -x "$CACHE/bin/pulumi-language-nodejs" ]; then
  # shellcheck source=env.sh
  source "$HERE/env.sh" || die "registering the provider plugins failed"
fi

# du over the Go build cache takes seconds: only worth it after a build.
if [ "$(( $(date +%s) - START_ALL ))" -ge 10 ]; then
  log "all done in $(( $(date +%s) - START_ALL ))s; cache uses $(du -sh "$CACHE" 2>/dev/null | cut -f1)"
else
  log "all done in $(( $(date +%s) - START_ALL ))s"
fi
echo "export PATH=\"$CACHE/bin:\$PATH\"   # or: source $HERE/env.sh"
