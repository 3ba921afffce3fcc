#!/usr/bin/env bash
# tools/registry/registry.sh start|stop|url: an OCI registry (distribution, built by tools/toolchain) on
# 127.0.0.1, where tests and local stacks push baked images. Docker talks plain HTTP to registries on
# loopback, so no certificate is needed. Storage and pid live outside the repository.
#   DBPLACE_REGISTRY_PORT (default 5000), DBPLACE_REGISTRY_DIR (default ~/.cache/dbplace/registry)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${DBPLACE_REGISTRY_PORT:-5000}"
DIR="${DBPLACE_REGISTRY_DIR:-$HOME/.cache/dbplace/registry}"
BIN="${DBPLACE_TOOLS_CACHE:-$HOME/.cache/dbplace-tools}/bin/registry"
log() { echo "[registry] $*" >&2; }
up() { curl -fsS -o /dev/null "http://127.0.0.1:$PORT/v2/" 2>/dev/null; }

case "${1:-}" in
  start)
    if up; then log "already answering on 127.0.0.1:$PORT"; echo "127.0.0.1:$PORT"; exit 0; fi
    [ -x "$BIN" ] || "$HERE/../toolchain/build.sh" --only registry >&2 || { log "the registry could not be built (see above)."; exit 1; }
    mkdir -p "$DIR/data"
    cat > "$DIR/config.yml" <<CFG
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: $DIR/data}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$PORT
CFG
    setsid nohup "$BIN" serve "$DIR/config.yml" >>"$DIR/registry.log" 2>&1 </dev/null &
    echo $! > "$DIR/pid"
    for _ in $(seq 1 100); do up && { log "answering on 127.0.0.1:$PORT (data in $DIR/data)"; echo "127.0.0.1:$PORT"; exit 0; }; sleep 0.1; done
    log "did not answer on 127.0.0.1:$PORT within 10 s; last log lines:"; tail -n 5 "$DIR/registry.log" >&2; exit 1
    ;;
  stop)
    if [ -s "$DIR/pid" ] && kill -0 "$(cat "$DIR/pid")" 2>/dev/null; then kill "$(cat "$DIR/pid")"; log "stopped"; fi
    rm -f "$DIR/pid"
    ;;
  url) echo "127.0.0.1:$PORT" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
