#!/usr/bin/env bash
# Rebuilds app.dump (PostgreSQL custom format) from app.sql with a throwaway local server on a Unix
# socket only. The dump is committed so a fresh checkout can `pulumi up -s dev` before any master exists.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Optional: extra SQL to run after app.sql, and the output path (tests use a second, newer dump).
extra=${1:-}
out=${2:-$here/app.dump}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | head -n1)
tmp=$(mktemp -d); chmod 777 "$tmp"
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
run "$bin/initdb -D $tmp/data -U postgres >/dev/null"
run "$bin/pg_ctl -D $tmp/data -o \"-k $tmp -c listen_addresses=''\" -w start >/dev/null"
trap 'run "$bin/pg_ctl -D $tmp/data -m fast stop >/dev/null"; rm -rf "$tmp"' EXIT
run "$bin/createdb -h $tmp -U postgres app"
run "$bin/psql -q -v ON_ERROR_STOP=1 -h $tmp -U postgres -d app -f $here/app.sql"
[ -z "$extra" ] || run "$bin/psql -q -v ON_ERROR_STOP=1 -h $tmp -U postgres -d app -c \"$extra\""
run "$bin/pg_dump -h $tmp -U postgres --format=custom --no-owner -d app" > "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
