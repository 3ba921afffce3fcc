#!/bin/bash
# Entrypoint of dbplace/mariadb:<version>, a subset of the official mariadb
# image's env contract so a MASTER can run from it: MARIADB_ROOT_PASSWORD[_FILE],
# MARIADB_RANDOM_ROOT_PASSWORD, MARIADB_ROOT_HOST, MARIADB_DATABASE, MARIADB_USER, MARIADB_PASSWORD[_FILE]
# on first start, each also under its MYSQL_* name (what the docker placement sets for engine mysql).
# MARIADB_ROOT_HOST=localhost (the docker placement's choice) makes root socket-only (unix_socket, no
# password, no network account), also on a data directory initialised before: checked at every start.
set -Eeo pipefail

file_env() {
  local var="$1" fileVar="${1}_FILE" val="${2:-}"
  if [[ -n "${!var:-}" ]]; then val="${!var}"
  elif [[ -n "${!fileVar:-}" ]]; then val="$(<"${!fileVar}")"; fi
  export "$var"="$val"
  unset "$fileVar"
}

if [[ "$1" != mariadbd && "$1" != mysqld ]]; then exec "$@"; fi
DATADIR=/var/lib/mysql

if [[ "$(id -u)" == 0 ]]; then
  mkdir -p "$DATADIR" /run/mysqld
  chown mysql:mysql "$DATADIR" /run/mysqld
  exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
fi

for v in ROOT_PASSWORD ROOT_PASSWORD_FILE RANDOM_ROOT_PASSWORD ROOT_HOST DATABASE USER PASSWORD PASSWORD_FILE; do
  m="MYSQL_$v" n="MARIADB_$v"
  if [[ -z "${!n:-}" && -n "${!m:-}" ]]; then export "$n"="${!m}"; fi
done
ROOT_HOST="${MARIADB_ROOT_HOST:-%}"
sql_str() { local s="${1//\\/\\\\}"; printf "'%s'" "${s//\'/\\\'}"; }

if [[ ! -d "$DATADIR/mysql" ]]; then
  file_env MARIADB_ROOT_PASSWORD
  file_env MARIADB_PASSWORD
  if [[ -z "$MARIADB_ROOT_PASSWORD" && "${MARIADB_RANDOM_ROOT_PASSWORD:-}" =~ ^(yes|1|true)$ ]]; then
    MARIADB_ROOT_PASSWORD="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
  fi
  if [[ -z "$MARIADB_ROOT_PASSWORD" ]]; then
    echo "error: the database is uninitialized and neither MARIADB_ROOT_PASSWORD nor MARIADB_RANDOM_ROOT_PASSWORD=yes is set." >&2
    exit 1
  fi
  mariadb-install-db --datadir="$DATADIR" --user=mysql --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  ident() { printf '`%s`' "${1//\`/\`\`}"; }
  {
    echo "FLUSH PRIVILEGES;"
    echo "DELETE FROM mysql.global_priv WHERE User='' OR (User='root' AND Host NOT IN ('localhost'));"
    if [[ "$ROOT_HOST" == localhost ]]; then
      echo "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;"
    else
      echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_str "$MARIADB_ROOT_PASSWORD");"
      echo "CREATE USER 'root'@$(sql_str "$ROOT_HOST") IDENTIFIED BY $(sql_str "$MARIADB_ROOT_PASSWORD");"
      echo "GRANT ALL ON *.* TO 'root'@$(sql_str "$ROOT_HOST") WITH GRANT OPTION;"
    fi
    if [[ -n "${MARIADB_DATABASE:-}" ]]; then echo "CREATE DATABASE IF NOT EXISTS $(ident "$MARIADB_DATABASE");"; fi
    if [[ -n "${MARIADB_USER:-}" && -n "$MARIADB_PASSWORD" ]]; then
      echo "CREATE USER $(sql_str "$MARIADB_USER")@'%' IDENTIFIED BY $(sql_str "$MARIADB_PASSWORD");"
      if [[ -n "${MARIADB_DATABASE:-}" ]]; then echo "GRANT ALL ON $(ident "$MARIADB_DATABASE").* TO $(sql_str "$MARIADB_USER")@'%';"; fi
    fi
  } | mariadbd --datadir="$DATADIR" --bootstrap --skip-networking >/dev/null
elif [[ "$ROOT_HOST" == localhost ]]; then
  # A data directory from before root was socket-only: no root account but root@localhost via the socket.
  printf '%s\n' "FLUSH PRIVILEGES;" "DELETE FROM mysql.global_priv WHERE User='root' AND Host <> 'localhost';" \
    "FLUSH PRIVILEGES;" "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket;" \
    | mariadbd --datadir="$DATADIR" --bootstrap --skip-networking >/dev/null
fi

exec "$@" --datadir="$DATADIR" --bind-address=0.0.0.0 --port=3306
