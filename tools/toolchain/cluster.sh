#!/usr/bin/env bash
# A local Kubernetes API for tests: a kwok cluster (real etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler; fake nodes whose pods kwok marks Ready without running containers).
#
#   tools/toolchain/cluster.sh start        start (or reuse) the cluster, write the kubeconfig
#   tools/toolchain/cluster.sh stop         stop every process of the cluster and delete its state
#   tools/toolchain/cluster.sh kubeconfig   (re)write the kubeconfig and print its path
#   tools/toolchain/cluster.sh status       exit 0 and print the server version when the API answers
#
# Everything listens on 127.0.0.1 only. Binaries come from build.sh (nothing is downloaded).
# Variables: DBPLACE_TOOLS_CACHE, DBPLACE_KUBECONFIG (default $CACHE/run/kubeconfig),
#            DBPLACE_KWOK_CLUSTER (default dbplace), DBPLACE_KWOK_NODES (default 1),
#            DBPLACE_KWOK_APISERVER_PORT (default: a free port chosen by kwokctl).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$HERE/versions.env"
CACHE="${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}"
BIN="$CACHE/bin"
NAME="${DBPLACE_KWOK_CLUSTER:-dbplace}"
NODES="${DBPLACE_KWOK_NODES:-1}"
RUN="$CACHE/run"
KCFG="${DBPLACE_KUBECONFIG:-$RUN/kubeconfig}"
export KWOK_WORKDIR="$RUN/kwok"
CDIR="$KWOK_WORKDIR/clusters/$NAME"
# Keep kwokctl and kubectl away from the user's ~/.kube/config.
export KUBECONFIG="$KCFG"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

need_bins() {
  local b
  for b in kwokctl kwok etcd kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    [ -x "$BIN/$b" ] || die "$BIN/$b missing: run $HERE/build.sh first"
  done
}

kubectl() { "$BIN/kubectl" --kubeconfig "$KCFG" "$@"; }

api_ok() {
  [ -f "$KCFG" ] && kubectl get --raw /readyz --request-timeout=3s >/dev/null 2>&1
}

write_config() {
  mkdir -p "$RUN"
  cat > "$RUN/kwokctl-$NAME.yaml" <<EOF
kind: KwokctlConfiguration
apiVersion: config.kwok.x-k8s.io/v1alpha1
options:
  runtime: binary
  bindAddress: 127.0.0.1
  kubeVersion: v$KUBE_VERSION
  etcdBinary: $BIN/etcd
  kubeApiserverBinary: $BIN/kube-apiserver
  kubeControllerManagerBinary: $BIN/kube-controller-manager
  kubeSchedulerBinary: $BIN/kube-scheduler
  kwokControllerBinary: $BIN/kwok
  kubectlBinary: $BIN/kubectl
  kubeApiserverPort: ${DBPLACE_KWOK_APISERVER_PORT:-0}
  quietPull: true
EOF
}

# Kill what a previous (possibly crashed) run left behind: only processes whose pid files are in
# this cluster's directory and whose command line is one of our binaries.
kill_leftovers() {
  local f pid
  [ -d "$CDIR/pids" ] || return 0
  for f in "$CDIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    pid="$(cat "$f" 2>/dev/null || true)"
    [ -n "$pid" ] || continue
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$BIN/\|$CACHE/"; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  sleep 1
  for f in "$CDIR"/pids/*.pid; do
    [ -f "$f" ] || continue
    pid="$(cat "$f" 2>/dev/null || true)"
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "$BIN/\|$CACHE/"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}

cmd_stop() {
  if [ -d "$CDIR" ]; then
    "$BIN/kwokctl" delete cluster --name "$NAME" >/dev/null 2>&1 || true
    kill_leftovers
    rm -rf "$CDIR"
  fi
  rm -f "$KCFG"
  log "stopped $NAME"
}

write_kubeconfig() {
  mkdir -p "$(dirname "$KCFG")"
  "$BIN/kwokctl" get kubeconfig --name "$NAME" > "$KCFG.tmp"
  mv "$KCFG.tmp" "$KCFG"
}

add_nodes() {
  local i
  for i in $(seq 0 $((NODES - 1))); do
    kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/role: agent
    type: kwok
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
  nodeInfo: {architecture: amd64, operatingSystem: linux, kubeletVersion: fake, kubeProxyVersion: fake}
  phase: Running
EOF
  done
  kubectl wait --for=condition=Ready node --all --timeout=60s >/dev/null
}

cmd_start() {
  need_bins
  if [ -d "$CDIR" ]; then
    if write_kubeconfig 2>/dev/null && api_ok; then
      add_nodes
      log "already running: $NAME ($(server_url)); kubeconfig: $KCFG"
      echo "$KCFG"
      return 0
    fi
    log "found a stale $NAME cluster (crashed or stopped uncleanly); cleaning up"
    cmd_stop
  fi
  write_config
  local t0; t0=$(date +%s)
  log "starting kwok cluster $NAME (Kubernetes v$KUBE_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)…"
  if ! "$BIN/kwokctl" create cluster --name "$NAME" --config "$RUN/kwokctl-$NAME.yaml" \
        --kubeconfig "$KCFG.kwokctl" --wait 120s > "$RUN/kwokctl-create-$NAME.log" 2>&1; then
    tail -n 30 "$RUN/kwokctl-create-$NAME.log" >&2
    cmd_stop || true
    die "kwokctl create cluster failed (full log: $RUN/kwokctl-create-$NAME.log)"
  fi
  rm -f "$KCFG.kwokctl"
  write_kubeconfig
  api_ok || die "cluster started but the API does not answer /readyz"
  add_nodes
  log "ready in $(( $(date +%s) - t0 ))s: $(server_url); kubeconfig: $KCFG"
  echo "$KCFG"
}

server_url() { kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}' 2>/dev/null; }

cmd_status() {
  if [ -d "$CDIR" ] && api_ok; then
    echo "running: $NAME at $(server_url), kubeconfig $KCFG"
    kubectl version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(.*\)".*/server \1/p' | tail -n 1
    kubectl get nodes --no-headers 2>/dev/null | sed 's/^/node: /'
    return 0
  fi
  echo "not running: $NAME"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  kubeconfig) need_bins; [ -d "$CDIR" ] || die "cluster $NAME is not running"; write_kubeconfig; echo "$KCFG" ;;
  status) cmd_status ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
