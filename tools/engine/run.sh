#!/usr/bin/env bash
# tools/engine/run.sh CMD…: run CMD (e.g. mocha) with the engine tier's environment (env.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=env.sh
source "$HERE/env.sh"
exec "$@"
