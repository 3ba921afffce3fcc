import { InstancePreset } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { noDefaultClusterLines } from "../vm/postgres-common";
import { certificateLines, flavourLines, initialiseLines, mysqlAuthSocketLine, mysqlHost, mysqlOnlyOptionLines, rootSocketOnlySql, startLines, tlsOptions } from "../vm/mysql-common";

/**
 * Engine-specific shell for the database VMs' startup script (vm-startup.ts assembles it). Every
 * section is idempotent: the script runs on every boot, so a reboot or a replaced boot disk converges
 * to the same state and never re-initialises data already on the data disk.
 * Shell variables the sections rely on: DATA, PRIVATE_IP, ADMIN_PW, REPL_PW, MONITOR_PW, PRIMARY_IP.
 */
export interface EngineSections {
    install: string;
    /** Initialise (primary) or clone from the primary (standby), then configure and start. */
    configure: string;
    /** Roles and database (primary only; standbys receive them through replication). */
    accounts: string;
    opsAgentReceivers: string;
    dumpCommand: string;
}

export interface EngineScriptArgs {
    /** Resolved spec: engine, version, size. */
    readonly spec: DatabaseSpec;
    /** primary initialises; standby clones the primary. */
    readonly role: "primary" | "standby";
    /** CIDRs admitted by the engine's own allow-list (pg_hba / user hosts); the firewall admits the same. */
    readonly clientCidrs: string[];
    /** Where standbys connect from. */
    readonly replicationCidrs: string[];
}

export function engineSections(args: EngineScriptArgs): EngineSections {
    return args.spec.engine === "postgres" ? postgres(args) : mysql(args);
}

function postgres({ spec, role, clientCidrs, replicationCidrs }: EngineScriptArgs): EngineSections {
    const v = spec.engineVersion;
    const preset = spec.preset as InstancePreset;
    const db = spec.databaseName;
    const hba = [
        "local all postgres peer",
        "host all opsagent 127.0.0.1/32 scram-sha-256",
        ...clientCidrs.map((c) => `hostssl all all ${c} scram-sha-256`),
        ...replicationCidrs.map((c) => `hostssl replication replicator ${c} scram-sha-256`),
        // Anything not matched above (plain-text connections included) is refused.
        "host all all all reject",
    ].join("\n");
    return {
        install: `
if [ ! -x /usr/lib/postgresql/${v}/bin/postgres ]; then
  install -d /usr/share/postgresql-common/pgdg
  # The package must not create a default cluster on the boot disk.
${noDefaultClusterLines().map((l) => `  ${l}`).join("\n")}
  curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc
  echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt $(. /etc/os-release; echo "$VERSION_CODENAME")-pgdg main" > /etc/apt/sources.list.d/pgdg.list
  apt-get update -q && apt-get install -y -q postgresql-${v}
fi`,
        configure: `
PGDATA="$DATA/postgresql/${v}/main"
install -d -o postgres -g postgres -m 700 "$DATA/postgresql" "$DATA/tls"
if [ ! -f "$DATA/tls/server.crt" ]; then
  openssl req -new -x509 -days 3650 -nodes -subj "/CN=$PRIVATE_IP" -addext "subjectAltName=IP:$PRIVATE_IP" -keyout "$DATA/tls/server.key" -out "$DATA/tls/server.crt"
  chown postgres:postgres "$DATA/tls/server."*; chmod 600 "$DATA/tls/server.key"
fi
if [ ! -d /etc/postgresql/${v}/main ]; then
  pg_createcluster ${v} main -d "$PGDATA" -p 5432 -- --auth-local=peer --auth-host=scram-sha-256 --data-checksums
fi
cat > /etc/postgresql/${v}/main/conf.d/dbplace.conf <<EOF
listen_addresses = 'localhost,$PRIVATE_IP'
port = 5432
max_connections = ${preset.maxConnections}
shared_buffers = $(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 4096 ))MB
password_encryption = scram-sha-256
ssl = on
ssl_cert_file = '$DATA/tls/server.crt'
ssl_key_file = '$DATA/tls/server.key'
ssl_min_protocol_version = 'TLSv1.2'
wal_level = replica
max_wal_senders = 10
wal_keep_size = '2GB'
hot_standby = on
log_min_duration_statement = 1000
EOF
cat > /etc/postgresql/${v}/main/pg_hba.conf <<'EOF'
${hba}
EOF
${role === "standby" ? `if [ ! -f "$PGDATA/standby.signal" ]; then
  systemctl stop postgresql@${v}-main || true
  rm -rf "$PGDATA"; install -d -o postgres -g postgres -m 700 "$PGDATA"
  # Copy the primary and follow its WAL; retry until the primary is up (first deploy starts both at once).
  until sudo -u postgres env PGPASSWORD="$REPL_PW" pg_basebackup -d "host=$PRIMARY_IP user=replicator sslmode=require" -D "$PGDATA" -R -X stream -c fast; do
    sleep 15; rm -rf "$PGDATA"/*
  done
fi
` : ""}systemctl enable postgresql@${v}-main
systemctl restart postgresql@${v}-main`,
        accounts: `
sudo -u postgres psql -v ON_ERROR_STOP=1 -v admin_pw="$ADMIN_PW" -v repl_pw="$REPL_PW" -v monitor_pw="$MONITOR_PW" <<'EOF'
SELECT 'CREATE ROLE dbadmin LOGIN CREATEDB CREATEROLE' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dbadmin') \\gexec
ALTER ROLE dbadmin PASSWORD :'admin_pw';
SELECT 'CREATE DATABASE ${db} OWNER dbadmin' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${db}') \\gexec
SELECT 'CREATE ROLE replicator WITH REPLICATION LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'replicator') \\gexec
ALTER ROLE replicator PASSWORD :'repl_pw';
SELECT 'CREATE ROLE opsagent LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'opsagent') \\gexec
GRANT pg_monitor TO opsagent;
ALTER ROLE opsagent PASSWORD :'monitor_pw';
EOF`,
        opsAgentReceivers: `
metrics:
  receivers:
    postgresql:
      type: postgresql
      endpoint: 127.0.0.1:5432
      username: opsagent
      password: "$MONITOR_PW"
      insecure: true
  service:
    pipelines:
      postgresql:
        receivers: [postgresql]
logging:
  receivers:
    postgresql_general:
      type: postgresql_general
      include_paths: [/var/log/postgresql/postgresql-${v}-main.log]
  service:
    pipelines:
      postgresql:
        receivers: [postgresql_general]`,
        dumpCommand: `sudo -u postgres pg_dump --format=custom --no-owner --dbname=${db}`,
    };
}

function mysql({ spec, role, clientCidrs, replicationCidrs }: EngineScriptArgs): EngineSections {
    const preset = spec.preset as InstancePreset;
    const db = spec.databaseName;
    const series = spec.engineVersion === "8.0" ? "mysql-8.0" : "mysql-8.4-lts";
    const datadir = "$DATA/mysql";
    // MySQL-8-only options (vm/mysql-common.ts writes them only for that flavour): GTIDs, super_read_only.
    const mysqlOnly = ["gtid_mode = ON", "enforce_gtid_consistency = ON", ...(role === "standby" ? ["super_read_only = ON"] : [])];
    return {
        // Oracle's repository (MySQL 8 only, unverified here), skipped when a server is installed already.
        install: `
if [ ! -x /usr/sbin/mysqld ] && [ ! -x /usr/sbin/mariadbd ]; then
  curl -fsSL https://repo.mysql.com/RPM-GPG-KEY-mysql-2023 | gpg --dearmor -o /usr/share/keyrings/mysql.gpg
  echo "deb [signed-by=/usr/share/keyrings/mysql.gpg] http://repo.mysql.com/apt/debian $(. /etc/os-release; echo "$VERSION_CODENAME") ${series}" > /etc/apt/sources.list.d/mysql.list
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mysql-server
fi`,
        // The data directory lives on the data disk from the start, initialised there when the disk has none.
        configure: `
${flavourLines().join("\n")}
${initialiseLines(datadir).join("\n")}
${certificateLines(datadir).join("\n")}
SERVER_ID=$(echo "$PRIVATE_IP" | awk -F. '{print ($3 * 256 + $4)}')
cat > "$MYSQL_CNF_DIR/zz-dbplace.cnf" <<EOF
[mysqld]
datadir = ${datadir}
bind-address = 127.0.0.1,$PRIVATE_IP
port = 3306
max_connections = ${preset.maxConnections}
${tlsOptions(datadir).join("\n")}
server_id = $SERVER_ID
log_bin = binlog
binlog_expire_logs_seconds = ${spec.backupRetentionDays * 86400}
slow_query_log = ON
long_query_time = 1
${role === "standby" ? "read_only = ON" : ""}
EOF
${mysqlOnlyOptionLines(mysqlOnly).join("\n")}
${startLines().join("\n")}
${role === "standby" ? `if [ ! -f "$DATA/.dbplace-replica" ]; then
  # MySQL 8 only (unverified here): MariaDB has no CLONE.
  [ "$MYSQL_FLAVOR" = mysql ] || { echo "a MySQL standby clones with MySQL 8's clone plugin; this server is $MYSQL_FLAVOR" >&2; exit 1; }
  mysql -e "INSTALL PLUGIN clone SONAME 'mysql_clone.so'" 2>/dev/null || true
  # Clone the primary's data (the clone plugin restarts the server), then follow it by GTID.
  until mysql -e "SET GLOBAL clone_valid_donor_list = '$PRIMARY_IP:3306'; CLONE INSTANCE FROM 'replicator'@'$PRIMARY_IP':3306 IDENTIFIED BY '$REPL_PW' REQUIRE SSL"; do
    sleep 15; systemctl start mysql || true
  done
  until mysqladmin ping --silent; do sleep 2; done
  mysql -e "CHANGE REPLICATION SOURCE TO SOURCE_HOST='$PRIMARY_IP', SOURCE_PORT=3306, SOURCE_USER='replicator', SOURCE_PASSWORD='$REPL_PW', SOURCE_AUTO_POSITION=1, SOURCE_SSL=1; START REPLICA"
  touch "$DATA/.dbplace-replica"
fi` : ""}`,
        // Passwords are generated without special characters, so quoting them in SQL is safe.
        accounts: `
${mysqlAuthSocketLine()}
[ "$MYSQL_FLAVOR" = mariadb ] || mysql -e "INSTALL PLUGIN clone SONAME 'mysql_clone.so'" 2>/dev/null || true
mysql <<EOF
${rootSocketOnlySql().join("\n")}
CREATE DATABASE IF NOT EXISTS \\\`${db}\\\`;
${clientCidrs.map((c) => account("dbadmin", c, "$ADMIN_PW", `ALL PRIVILEGES ON \\\`${db}\\\`.*`)).join("\n")}
${replicationCidrs.map((c) => account("replicator", c, "$REPL_PW", `REPLICATION SLAVE$(if [ "$MYSQL_FLAVOR" = mysql ]; then echo ", BACKUP_ADMIN"; fi) ON *.*`)).join("\n")}
CREATE USER IF NOT EXISTS 'opsagent'@'localhost' IDENTIFIED BY '$MONITOR_PW';
ALTER USER 'opsagent'@'localhost' IDENTIFIED BY '$MONITOR_PW';
GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO 'opsagent'@'localhost';
EOF`,
        // The socket: require_secure_transport refuses every TCP client without TLS, loopback included.
        opsAgentReceivers: `
metrics:
  receivers:
    mysql:
      type: mysql
      endpoint: /run/mysqld/mysqld.sock
      username: opsagent
      password: "$MONITOR_PW"
  service:
    pipelines:
      mysql:
        receivers: [mysql]
logging:
  receivers:
    mysql_error:
      type: mysql_error
    mysql_slow:
      type: mysql_slow
  service:
    pipelines:
      mysql:
        receivers: [mysql_error, mysql_slow]`,
        dumpCommand: `mysqldump --single-transaction --routines --triggers $([ -x /usr/sbin/mariadbd ] || echo --set-gtid-purged=OFF) ${db}`,
    };
}

/** One MySQL account per allowed CIDR (host as address/netmask, which both flavours read): the engine's own allow-list. */
function account(user: string, cidr: string, password: string, grant: string): string {
    const host = mysqlHost(cidr);
    return [
        `CREATE USER IF NOT EXISTS '${user}'@'${host}' IDENTIFIED BY '${password}' REQUIRE SSL;`,
        `ALTER USER '${user}'@'${host}' IDENTIFIED BY '${password}' REQUIRE SSL;`,
        `GRANT ${grant} TO '${user}'@'${host}';`,
    ].join("\n");
}
