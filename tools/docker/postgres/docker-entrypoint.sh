#!/bin/bash
# Entrypoint of dbplace/postgres:<major>, compatible with the env contract of
# the official postgres image so the local Docker placement can run a MASTER
# from it unchanged: POSTGRES_PASSWORD[_FILE], POSTGRES_USER[_FILE],
# POSTGRES_DB[_FILE], POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD, PGDATA,
# and /docker-entrypoint-initdb.d/*.{sh,sql,sql.gz} on first start.
#
# The image runs as USER postgres. When started as root (e.g. --user 0 with a
# root-owned bind mount) we fix ownership and drop privileges with setpriv,
# which is part of util-linux and therefore already in the rootfs (no gosu).
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR or the contents of the file named by VAR_FILE.
file_env() {
  local var="$1" fileVar="${1}_FILE" def="${2:-}"
  if [[ -n "${!var:-}" && -n "${!fileVar:-}" ]]; then
    echo "error: both $var and $fileVar are set; set only one of them." >&2
    exit 1
  fi
  local val="$def"
  if [[ -n "${!var:-}" ]]; then val="${!var}"
  elif [[ -n "${!fileVar:-}" ]]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"
  unset "$fileVar"
}

# Official-image convenience: `docker run IMAGE -c foo=bar` means postgres args.
if [[ "${1:0:1}" == '-' ]]; then set -- postgres "$@"; fi

if [[ "$1" != postgres ]]; then exec "$@"; fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [[ "$(id -u)" == 0 ]]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

  if [[ -z "$POSTGRES_PASSWORD" && "$POSTGRES_HOST_AUTH_METHOD" != trust ]]; then
    cat >&2 <<'MSG'
error: the database is uninitialized and no superuser password was given.
Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE) to a non-empty value, or set
POSTGRES_HOST_AUTH_METHOD=trust to allow passwordless connections (unsafe
outside throwaway test containers).
MSG
    exit 1
  fi

  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA" 2>/dev/null || true
  pwfile=""
  if [[ -n "$POSTGRES_PASSWORD" ]]; then
    pwfile="$(mktemp)"
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  fi
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list by contract.
  initdb --username="$POSTGRES_USER" ${pwfile:+--pwfile="$pwfile"} \
    --auth-local=trust --auth-host=trust \
    $POSTGRES_INITDB_ARGS >/dev/null
  [[ -n "$pwfile" ]] && rm -f "$pwfile"

  # Inside the container the network namespace is the boundary: listen on all
  # interfaces and require SCRAM from anything that is not 127.0.0.1/::1.
  {
    echo
    echo "# dbplace: non-local clients must authenticate"
    echo "host all all all $POSTGRES_HOST_AUTH_METHOD"
  } >>"$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "password_encryption = 'scram-sha-256'" >>"$PGDATA/postgresql.conf"

  # Temporary server on the unix socket only, so nothing can connect before
  # the init scripts are done.
  pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  export PGUSER="$POSTGRES_USER" PGHOST=/var/run/postgresql
  if [[ "$POSTGRES_DB" != postgres ]]; then
    psql -v ON_ERROR_STOP=1 -d postgres -q \
      --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)     echo "running $f"; . "$f" ;;
      *.sql)    echo "running $f"; psql -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -q -f "$f" ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | psql -v ON_ERROR_STOP=1 -d "$POSTGRES_DB" -q ;;
      *)        [[ -e "$f" ]] && echo "ignoring $f" ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGUSER PGHOST
  echo "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
