# Source me (bash): the engine tier's environment on top of tools/toolchain/env.sh.
# Ensures the offline toolchain (build.sh is instant when cached), sources its env.sh, and gives the
# tier its OWN kwok cluster and kubeconfig so it never touches a cluster someone else started.
_dbplace_engine_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
_dbplace_repo="$(cd "$_dbplace_engine_here/../.." && pwd)"
"$_dbplace_repo/tools/toolchain/build.sh" >&2 || { echo "[engine] toolchain build failed" >&2; return 1 2>/dev/null || exit 1; }
export DBPLACE_KWOK_CLUSTER="${DBPLACE_KWOK_CLUSTER:-dbplace-e2e}"
export DBPLACE_KUBECONFIG="${DBPLACE_KUBECONFIG:-${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}/run/kubeconfig-$DBPLACE_KWOK_CLUSTER}"
# shellcheck source=../toolchain/env.sh
source "$_dbplace_repo/tools/toolchain/env.sh" || { echo "[engine] tools/toolchain/env.sh failed" >&2; return 1 2>/dev/null || exit 1; }
export KUBECONFIG="$DBPLACE_KUBECONFIG"
# The program is transpiled only (type checking is `npm run build`'s job); saves minutes on a busy box.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
# The policy-pack shim (see bin/pulumi-analyzer-policy-nodejs-engine-shim).
export DBPLACE_ENGINE_BIN="$_dbplace_engine_here/bin"
export DBPLACE_REPO="$_dbplace_repo"
