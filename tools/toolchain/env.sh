# Source me (bash): `source tools/toolchain/env.sh`
#
# Puts the offline toolchain built by build.sh on PATH and sets up Pulumi to run with no network:
# local state only, no update check, no plugin downloads, provider plugins registered under the
# exact versions the npm SDKs ask for. Returns non-zero (without exiting your shell) when the
# toolchain has not been built yet.
#
# Variables it reads: DBPLACE_TOOLS_CACHE (default ~/.cache/dbplace-tools), PULUMI_CONFIG_PASSPHRASE
# (kept if set, else empty).

_dbplace_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$_dbplace_here/versions.env"

export DBPLACE_TOOLS_CACHE="${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}"
export DBPLACE_TOOLCHAIN_DIR="$_dbplace_here"
case ":$PATH:" in
  *":$DBPLACE_TOOLS_CACHE/bin:"*) ;;
  *) export PATH="$DBPLACE_TOOLS_CACHE/bin:$PATH" ;;
esac

export PULUMI_HOME="$DBPLACE_TOOLS_CACHE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# Only use plugins registered in $PULUMI_HOME/plugins (exact version match), not whatever
# pulumi-resource-* happens to be on PATH: this is what proves the registration below works.
export PULUMI_IGNORE_AMBIENT_PLUGINS=true
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_CONFIRMATIONS=true
export PULUMI_DIY_BACKEND_GZIP=false
# Where cluster.sh writes the kwok cluster's kubeconfig (tests point KUBECONFIG at it).
export DBPLACE_KUBECONFIG="${DBPLACE_KUBECONFIG:-$DBPLACE_TOOLS_CACHE/run/kubeconfig}"

# dbplace_register_plugins: `pulumi plugin install resource NAME VERSION --file BIN` for each
# locally built provider whose registered copy is missing or differs. Quiet when nothing changes.
# (The language host cannot be registered this way — "the nodejs language plugin is bundled with
# Pulumi" — build.sh links it next to the pulumi binary, where the CLI looks for it.)
dbplace_register_plugins() {
  local spec name ver bin dest
  for spec in "kubernetes:$KUBERNETES_PROVIDER_VERSION" "random:$RANDOM_PROVIDER_VERSION" \
              "docker:$DOCKER_PROVIDER_VERSION"; do
    name="${spec%%:*}"; ver="${spec#*:}"
    bin="$DBPLACE_TOOLS_CACHE/bin/pulumi-resource-$name"
    [ -x "$bin" ] || continue   # docker is optional
    dest="$PULUMI_HOME/plugins/resource-$name-v$ver/pulumi-resource-$name"
    if [ -x "$dest" ] && cmp -s "$bin" "$dest"; then continue; fi
    echo "[toolchain] registering resource plugin $name $ver ($bin)" >&2
    pulumi plugin install resource "$name" "$ver" --file "$bin" --reinstall >&2 || {
      echo "[toolchain] ERROR: could not register $name $ver" >&2; return 1; }
  done
}

if [ ! -x "$DBPLACE_TOOLS_CACHE/bin/pulumi" ] || [ ! -x "$DBPLACE_TOOLS_CACHE/bin/pulumi-language-nodejs" ]; then
  echo "[toolchain] not built yet: run $_dbplace_here/build.sh" >&2
  return 1 2>/dev/null || exit 1
fi
dbplace_register_plugins || { return 1 2>/dev/null || exit 1; }
