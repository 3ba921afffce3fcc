#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine (npm run cluster -- start|stop|status|kubeconfig).
#
#   start       build what is missing, start the control plane, containerd and the node; print the kubeconfig path
#   stop        stop every process, remove containers, mounts, the bridge, firewall rules and all state
#   status      exit 0 and describe the cluster when its node is Ready
#   kubeconfig  print the kubeconfig path
#   images      (re)import the project's images into the node's containerd
#
# Pods get addresses on a bridge this script creates (10.244.0.0/24, the node is 10.244.0.1); the API server,
# the kubelet and NodePorts listen there only. Pods cannot reach any other address: forwarding out of the
# bridge is dropped, and CoreDNS resolves cluster names only. cgroup v1 and no systemd: the kubelet and
# containerd use the cgroupfs driver. Binaries come from tools/toolchain/build.sh; containerd, runc and the CNI
# plugins from Debian (installed when missing).
#
# Variables: DBPLACE_NODE_DIR (state, default ~/.cache/dbplace/node), DBPLACE_NODE_KUBECONFIG (default
# ~/.cache/dbplace/kubeconfig, where `npm run up` looks for cluster stacks).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
# shellcheck source=../toolchain/versions.env
source "$REPO/tools/toolchain/versions.env"
TOOLS="${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}"
BIN="$TOOLS/bin"
DIR="${DBPLACE_NODE_DIR:-$HOME/.cache/dbplace/node}"
KCFG="${DBPLACE_NODE_KUBECONFIG:-$HOME/.cache/dbplace/kubeconfig}"
RUNDIR=/run/dbplace-node
PKI="$DIR/pki"
LOGS="$DIR/logs"
VOLUMES="$DIR/volumes"
CLUSTER_NAME=dbplace-node
NODE_NAME=dbplace-node
BRIDGE=dbplace0
NODE_IP=10.244.0.1
POD_CIDR=10.244.0.0/24
SERVICE_CIDR=10.96.0.0/16
SERVICE_API_IP=10.96.0.1
SERVICE_DNS_IP=10.96.0.10
CLUSTER_DOMAIN=cluster.local
API_PORT=6443
ETCD_PORT=23790
CHAIN=DBPLACE-NODE
SOCK="$RUNDIR/containerd.sock"
IMG_PAUSE=docker.io/dbplace/pause:3.10
IMG_COREDNS=docker.io/dbplace/coredns:$COREDNS_VERSION
IMG_LOCAL_PATH=docker.io/dbplace/local-path-provisioner:$LOCAL_PATH_VERSION
IMG_HELPER=docker.io/dbplace/postgres:15
PROJECT_IMAGES=(dbplace/postgres:15 dbplace/postgres-exporter:0.17.1 dbplace/baker:15)
# The node's own registry, on the bridge: pods (the in-cluster bake loop) push to it, the kubelet pulls from it.
NODE_REGISTRY="$NODE_IP:5000"

# shellcheck source=pki.sh
source "$HERE/pki.sh"
# shellcheck source=addons.sh
source "$HERE/addons.sh"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }
kubectl() { "$BIN/kubectl" --kubeconfig "$KCFG" "$@"; }
ctr_() { ctr --address "$SOCK" --namespace k8s.io "$@"; }

need() {
  local missing=()
  command -v containerd >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v ipset >/dev/null || missing+=(ipset)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v gcc >/dev/null || missing+=(gcc libc6-dev)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
  fi
  local b want=()
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy etcd coredns local-path-provisioner kube-router registry; do
    [ -x "$BIN/$b" ] || want+=("$b")
  done
  if [ ${#want[@]} -gt 0 ]; then
    log "building ${want[*]} (tools/toolchain/build.sh)"
    "$REPO/tools/toolchain/build.sh" --only kube,etcd,coredns,local-path-provisioner,kube-router,registry >&2
  fi
  [ -f /proc/sys/net/bridge/bridge-nf-call-iptables ] || die "the br_netfilter kernel module is not loaded (modprobe br_netfilter)"
  "$REPO/tools/docker/ensure-dockerd.sh" >&2
  "$REPO/tools/docker/base-image.sh" >&2
  "$REPO/tools/docker/baker-image.sh" >&2
}

# start_bg NAME CMD…: a daemon in its own session, logging to $LOGS/NAME.log, pid in $RUNDIR/NAME.pid.
start_bg() {
  local name="$1"; shift
  setsid "$@" > "$LOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUNDIR/$name.pid"
}

wait_for() { # WHAT SECONDS CMD…
  local what="$1" secs="$2"; shift 2
  local i
  for i in $(seq 1 $((secs * 4))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "$what not ready after ${secs}s (logs: $LOGS)"
}

network_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  ip addr replace "$NODE_IP/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Docker's FORWARD policy is DROP: allow pod-to-pod on the bridge, drop anything else pods send out.
  iptables -N "$CHAIN" 2>/dev/null || iptables -F "$CHAIN"
  iptables -A "$CHAIN" -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT
  iptables -A "$CHAIN" -s "$POD_CIDR" -j DROP
  iptables -A "$CHAIN" -d "$POD_CIDR" -m conntrack ! --ctstate RELATED,ESTABLISHED -o "$BRIDGE" ! -i "$BRIDGE" -j DROP
  iptables -C FORWARD -j "$CHAIN" 2>/dev/null || iptables -I FORWARD 1 -j "$CHAIN"
  mkdir -p "$DIR/cni"
  cat > "$DIR/cni/10-dbplace.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "dbplace",
  "plugins": [
    {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$DIR/cni/ipam", "ranges": [[{"subnet": "$POD_CIDR", "gateway": "$NODE_IP"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
}

network_down() {
  while iptables -D FORWARD -j "$CHAIN" 2>/dev/null; do :; done
  iptables -F "$CHAIN" 2>/dev/null || true
  iptables -X "$CHAIN" 2>/dev/null || true
  # kube-proxy's own chains: it removes them itself with --cleanup.
  [ -x "$BIN/kube-proxy" ] && "$BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  [ -x "$BIN/kube-router" ] && "$BIN/kube-router" --cleanup-config >/dev/null 2>&1 || true
  ip link del "$BRIDGE" 2>/dev/null || true
}

# True when this process lacks CAP_SYS_RESOURCE (bit 24 of CapEff), which lowering oom_score_adj needs.
restrict_oom() {
  local eff; eff="$(awk '/^CapEff/ {print $2}' /proc/self/status)"
  if (( (16#$eff >> 24) & 1 )); then echo false; else echo true; fi
}

containerd_up() {
  mkdir -p "$DIR/containerd/certs.d/127.0.0.1:5000"
  cat > "$DIR/containerd/certs.d/127.0.0.1:5000/hosts.toml" <<'EOF'
# The local registry (npm run registry) speaks plain HTTP on loopback.
server = "http://127.0.0.1:5000"
[host."http://127.0.0.1:5000"]
  capabilities = ["pull", "resolve"]
EOF
  mkdir -p "$DIR/containerd/certs.d/$NODE_REGISTRY"
  cat > "$DIR/containerd/certs.d/$NODE_REGISTRY/hosts.toml" <<EOF
# The node's registry (registry_up) speaks plain HTTP on the node's bridge.
server = "http://$NODE_REGISTRY"
[host."http://$NODE_REGISTRY"]
  capabilities = ["pull", "resolve"]
EOF
  cat > "$DIR/containerd/config.toml" <<EOF
version = 2
root = "$DIR/containerd/root"
state = "$RUNDIR/containerd"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$IMG_PAUSE"
  # This machine withholds CAP_SYS_RESOURCE, so the negative oom_score_adj the kubelet asks for sandboxes
  # and Guaranteed pods (-998, -997) is refused; clamp to containerd's own (0), as rootless setups do.
  restrict_oom_score_adj = $(restrict_oom)
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$RUNDIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$DIR/cni"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$DIR/containerd/certs.d"
EOF
  start_bg containerd containerd --config "$DIR/containerd/config.toml"
  wait_for containerd 30 ctr --address "$SOCK" version
}

# The node's own images: pause (compiled here), CoreDNS and the provisioner (one static binary each).
node_images() {
  local work; work="$(mktemp -d)"
  gcc -static -Os -o "$work/pause" "$HERE/pause.c"
  import_binary "$work" "$IMG_PAUSE" pause
  import_binary "$work" "$IMG_COREDNS" "$BIN/coredns"
  import_binary "$work" "$IMG_LOCAL_PATH" "$BIN/local-path-provisioner"
  rm -rf "$work"
}

import_binary() { # WORK IMAGE BINARY
  local work="$1" image="$2" bin="$3" root; root="$work/root-$(basename "$bin")"
  mkdir -p "$root/etc"
  cp "$(cd "$work" && readlink -f "$bin")" "$root/$(basename "$bin")"
  printf 'root:x:0:0::/:/sbin/nologin\nnonroot:x:65532:65532::/:/sbin/nologin\n' > "$root/etc/passwd"
  tar -C "$root" -c . | docker import -c "ENTRYPOINT [\"/$(basename "$bin")\"]" - "${image#docker.io/}" >/dev/null
  docker save "${image#docker.io/}" | ctr_ images import - >/dev/null
}

cmd_images() {
  local i
  for i in "${PROJECT_IMAGES[@]}"; do
    docker image inspect "$i" >/dev/null 2>&1 || die "image $i missing (tools/docker/base-image.sh builds it)"
    docker save "$i" | ctr_ images import - >/dev/null
  done
  log "imported ${PROJECT_IMAGES[*]}"
}

# An OCI registry (the one npm run registry runs) on $NODE_REGISTRY, with its storage in the node's state:
# what the cluster's bake Jobs push and its replicas pull; gone with the node.
registry_up() {
  mkdir -p "$DIR/registry/data"
  cat > "$DIR/registry/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $DIR/registry/data}
  delete: {enabled: true}
http:
  addr: $NODE_REGISTRY
EOF
  start_bg registry "$BIN/registry" serve "$DIR/registry/config.yml"
  wait_for "registry on $NODE_REGISTRY" 20 curl -fsS -o /dev/null "http://$NODE_REGISTRY/v2/"
}

control_plane_up() {
  start_bg etcd "$BIN/etcd" --name dbplace-node --data-dir "$DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster dbplace-node=http://127.0.0.1:23800 --listen-metrics-urls http://127.0.0.1:23810
  start_bg kube-apiserver "$BIN/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$API_PORT" \
    --service-cluster-ip-range "$SERVICE_CIDR" --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction \
    --client-ca-file "$PKI/ca.crt" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" \
    --service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --allow-privileged=true --kubelet-preferred-address-types InternalIP
  pki_kubeconfig "$DIR/admin.kubeconfig" admin
  wait_for kube-apiserver 90 "$BIN/kubectl" --kubeconfig "$DIR/admin.kubeconfig" get --raw /readyz
  pki_kubeconfig "$DIR/controller-manager.kubeconfig" controller-manager
  pki_kubeconfig "$DIR/scheduler.kubeconfig" scheduler
  start_bg kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig "$DIR/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10357 --use-service-account-credentials \
    --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
    --cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" --leader-elect=false \
    --allocate-node-cidrs --cluster-cidr "$POD_CIDR" --node-cidr-mask-size 24
  start_bg kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$DIR/scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port 10359 --leader-elect=false
}

node_up() {
  pki_kubeconfig "$DIR/kubelet.kubeconfig" kubelet
  pki_kubeconfig "$DIR/kube-proxy.kubeconfig" kube-proxy
  # Pods that ask for the node's resolver get none: nothing outside the cluster is resolvable.
  : > "$DIR/resolv.conf"
  cat > "$DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10348
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
tlsCertFile: $PKI/kubelet-server.crt
tlsPrivateKeyFile: $PKI/kubelet-server.key
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$SOCK
clusterDNS: [$SERVICE_DNS_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $DIR/resolv.conf
podCIDR: $POD_CIDR
podLogsDir: $DIR/pod-logs
serializeImagePulls: false
evictionHard: {memory.available: 200Mi, nodefs.available: "3%", imagefs.available: "3%", nodefs.inodesFree: "3%"}
imageGCHighThresholdPercent: 97
imageGCLowThresholdPercent: 95
EOF
  start_bg kubelet "$BIN/kubelet" --config "$DIR/kubelet.yaml" --kubeconfig "$DIR/kubelet.kubeconfig" \
    --root-dir "$DIR/kubelet" --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  cat > "$DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $DIR/kube-proxy.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10356
metricsBindAddress: 127.0.0.1:10349
nodePortAddresses: [$NODE_IP/32]
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  start_bg kube-proxy "$BIN/kube-proxy" --config "$DIR/kube-proxy.yaml"
}

# NetworkPolicy enforcement: the bridge plugin has none, kube-router's firewall controller adds it
# (iptables + ipset on the host; no routing, no service proxy, no listening port).
firewall_up() {
  pki_kubeconfig "$DIR/kube-router.kubeconfig" kube-router
  start_bg kube-router "$BIN/kube-router" --kubeconfig "$DIR/kube-router.kubeconfig" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --hostname-override "$NODE_NAME" --health-port 0 --metrics-port 0
}

# The monitoring.coreos.com CRDs the program creates objects of, from prometheus-operator's Go module.
monitoring_crds() {
  local dir
  dir="$(cd /tmp && GOMODCACHE="$TOOLS/go/mod" GOFLAGS=-mod=mod GOTOOLCHAIN=local \
    go mod download -json "github.com/prometheus-operator/prometheus-operator@v$PROMETHEUS_OPERATOR_VERSION" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir/example/prometheus-operator-crd" ] || die "prometheus-operator v$PROMETHEUS_OPERATOR_VERSION CRDs not found in the Go module proxy"
  local crd
  for crd in servicemonitors podmonitors prometheusrules; do
    kubectl apply --server-side -f "$dir/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" >/dev/null
  done
}

node_ready() { kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -q True; }

running() { [ -f "$RUNDIR/kubelet.pid" ] && kill -0 "$(cat "$RUNDIR/kubelet.pid")" 2>/dev/null; }

cmd_start() {
  if running && node_ready; then
    log "already running; kubeconfig: $KCFG"
    echo "$KCFG"; return 0
  fi
  [ -d "$DIR" ] && { log "cleaning up a previous run"; cmd_stop; }
  local t0; t0=$(date +%s)
  need
  mkdir -p "$DIR" "$LOGS" "$RUNDIR" "$VOLUMES"
  pki_make
  network_up
  registry_up
  containerd_up
  node_images
  cmd_images
  control_plane_up
  mkdir -p "$(dirname "$KCFG")"
  cp "$DIR/admin.kubeconfig" "$KCFG.tmp" && mv "$KCFG.tmp" "$KCFG"
  node_up
  wait_for "node $NODE_NAME" 120 node_ready
  addons_manifest | kubectl apply -f - >/dev/null
  firewall_up
  monitoring_crds
  kubectl -n kube-system rollout status deploy/coredns --timeout=120s >/dev/null || die "CoreDNS did not become ready (kubectl -n kube-system describe pod)"
  kubectl -n local-path-storage rollout status deploy/local-path-provisioner --timeout=120s >/dev/null \
    || die "local-path-provisioner did not become ready"
  log "ready in $(( $(date +%s) - t0 ))s: node $NODE_NAME, Kubernetes v$KUBE_VERSION, API https://$NODE_IP:$API_PORT"
  log "kubeconfig: $KCFG   (export KUBECONFIG=$KCFG)"
  echo "$KCFG"
}

stop_pid() {
  local f="$RUNDIR/$1.pid" pid
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

cmd_stop() {
  stop_pid kubelet
  stop_pid kube-proxy
  stop_pid kube-router
  # Containers: kill every task of the node's containerd, then the shims it started.
  if [ -S "$SOCK" ]; then
    local t
    for t in $(ctr_ tasks ls -q 2>/dev/null); do ctr_ tasks kill -s KILL "$t" >/dev/null 2>&1 || true; done
    sleep 1
  fi
  pkill -9 -f "containerd-shim-runc-v2 -namespace k8s.io -address $SOCK" 2>/dev/null || true
  local c
  for c in kube-scheduler kube-controller-manager kube-apiserver etcd containerd registry; do stop_pid "$c"; done
  # Mounts under the node's directories (pod volumes, container root filesystems, network namespaces).
  local m
  for m in $(awk -v d="$DIR" -v r="$RUNDIR" '$2 ~ "^"d || $2 ~ "^"r {print $2}' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  network_down
  rm -rf "$DIR" "$RUNDIR"
  rm -f "$KCFG"
  log "stopped"
}

cmd_status() {
  if running && node_ready; then
    echo "running: node $NODE_NAME at https://$NODE_IP:$API_PORT, kubeconfig $KCFG"
    kubectl get pods -A --no-headers 2>/dev/null | sed 's/^/pod: /'
    return 0
  fi
  echo "not running"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kubeconfig) echo "$KCFG" ;;
  images) cmd_images ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
