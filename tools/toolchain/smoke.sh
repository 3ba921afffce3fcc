#!/usr/bin/env bash
# End-to-end check of the offline toolchain: a tiny TypeScript Pulumi program (Namespace, Secret,
# Deployment, Service, random.RandomPassword) run by the real engine against the kwok cluster:
# stack init, up, preview --expect-no-changes, destroy. State in a temp dir (file:// backend);
# node_modules is the repo's own (symlinked, nothing installed). Prints a timing per step.
#
#   tools/toolchain/smoke.sh
#   KEEP_CLUSTER=1 KEEP_TMP=1 tools/toolchain/smoke.sh
# It uses its own kwok cluster (name smoke-<pid>, kubeconfig in its temp dir), so it never touches
# the default `dbplace` cluster other runs may be using; set DBPLACE_KWOK_CLUSTER to reuse one.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=env.sh
source "$HERE/env.sh"
[ -d "$REPO/node_modules/@pulumi/kubernetes" ] || { echo "[smoke] $REPO/node_modules is not installed" >&2; exit 1; }

TMP="$(mktemp -d "${TMPDIR:-/tmp}/dbplace-smoke.XXXXXX")"
started=0
cleanup() {
  if [ "$started" = 1 ] && [ "${KEEP_CLUSTER:-0}" != 1 ]; then "$HERE/cluster.sh" stop >/dev/null 2>&1 || true; fi
  [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"
}
trap cleanup EXIT
if [ -z "${DBPLACE_KWOK_CLUSTER:-}" ]; then
  export DBPLACE_KWOK_CLUSTER="smoke-$$" DBPLACE_KUBECONFIG="$TMP/kubeconfig"
fi
if ! "$HERE/cluster.sh" status >/dev/null 2>&1; then
  started=1
  "$HERE/cluster.sh" start >/dev/null
fi
export KUBECONFIG="$DBPLACE_KUBECONFIG"
PROG="$TMP/prog"
mkdir -p "$PROG" "$TMP/state"
ln -s "$REPO/node_modules" "$PROG/node_modules"
cat > "$PROG/Pulumi.yaml" <<'EOF'
name: toolchain-smoke
runtime:
  name: nodejs
  options:
    typescript: true
EOF
cat > "$PROG/package.json" <<EOF
{
  "name": "toolchain-smoke",
  "private": true,
  "main": "index.ts",
  "dependencies": {
    "@pulumi/kubernetes": "$KUBERNETES_PROVIDER_VERSION",
    "@pulumi/pulumi": "$PULUMI_VERSION",
    "@pulumi/random": "$RANDOM_PROVIDER_VERSION"
  },
  "devDependencies": { "typescript": "*" }
}
EOF
cat > "$PROG/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "strict": true, "target": "es2020", "module": "commonjs", "moduleResolution": "node",
    "esModuleInterop": true, "skipLibCheck": true
  },
  "files": ["index.ts"]
}
EOF
cat > "$PROG/index.ts" <<'EOF'
import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";

const provider = new k8s.Provider("kwok", { kubeconfig: fs.readFileSync(process.env.KUBECONFIG!, "utf8") });
const opts = { provider };
const password = new random.RandomPassword("db-password", { length: 24, special: false });
const ns = new k8s.core.v1.Namespace("smoke", { metadata: { name: "toolchain-smoke" } }, opts);
const labels = { app: "web" };
const secret = new k8s.core.v1.Secret("db", {
    metadata: { namespace: ns.metadata.name },
    stringData: { password: password.result },
}, opts);
const deployment = new k8s.apps.v1.Deployment("web", {
    metadata: { namespace: ns.metadata.name },
    spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
            metadata: { labels },
            spec: {
                containers: [{
                    name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }],
                    env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "password" } } }],
                }],
            },
        },
    },
}, opts);
const service = new k8s.core.v1.Service("web", {
    metadata: { namespace: ns.metadata.name },
    spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] },
}, { ...opts, dependsOn: [deployment] });

export const namespace = ns.metadata.name;
export const readyReplicas = deployment.status.readyReplicas;
export const serviceName = service.metadata.name;
export const passwordLength = password.result.apply(p => p.length);
EOF

export PULUMI_BACKEND_URL="file://$TMP/state"
cd "$PROG"
summary=()
step() {
  local t0 t1; t0=$(date +%s.%N)
  echo "[smoke] \$ $*" >&2
  if ! "$@" > "$TMP/step.log" 2>&1; then
    cat "$TMP/step.log" >&2
    echo "[smoke] FAILED: $*" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  summary+=("$(awk -v a="$t0" -v b="$t1" -v c="$*" 'BEGIN { printf "%6.1fs  %s", b - a, c }')")
}
step pulumi stack init dev
step pulumi up --yes --skip-preview
grep -E 'readyReplicas|namespace|serviceName' "$TMP/step.log" | sed 's/^/[smoke]   /' >&2 || true
step pulumi preview --expect-no-changes
step pulumi destroy --yes --skip-preview
step pulumi stack rm dev --yes
echo "[smoke] all steps passed:" >&2
printf '[smoke] %s\n' "${summary[@]}" >&2
