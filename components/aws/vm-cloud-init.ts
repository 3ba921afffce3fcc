import { Engine } from "../config/schema";
import { DATA_MOUNT, ENGINE_PROCESS } from "./alarms";
import { IMDS_REGION } from "./replica-user-data";
import { noDefaultClusterLines } from "../vm/postgres-common";
import { certificateLines, flavourLines, initialiseLines, mysqlAuthSocketLine, mysqlHost, mysqlOnlyOptionLines, rootSocketOnlySql, startLines, tlsOptions } from "../vm/mysql-common";

export { mysqlHost };

/** The host's distribution (debian | ubuntu), read when the script runs. */
const OS_ID = "$(. /etc/os-release && echo \"$ID\")";

export const REPLICATION_USER = "replicator";

export interface VmScriptArgs {
    /** Required. */
    readonly engine: Engine;
    /** Required. Major version to install. */
    readonly version: string;
    /** Required. `primary` creates roles and dumps; `standby` clones the primary and follows it. */
    readonly role: "primary" | "standby";
    /** Application database and the admin role that owns it. */
    readonly database: string;
    /** Required. */
    readonly username: string;
    /** EBS volume id of the data volume (vol-…): found under /dev/disk/by-id on Nitro instances. */
    readonly volumeId: string;
    /** Secrets Manager secret holding {"password", "replicationPassword"}. */
    readonly secretArn: string;
    /** Client CIDRs (network.allowedCidrs). */
    readonly allowedCidrs: readonly string[];
    /**
     * Every IPv4 range of the VPC (primary first): clients admitted by security group (the database's
     * client group, network.allowedSecurityGroupIds) and peers may come from any of them. The security
     * group is the per-client filter; pg_hba/MySQL host patterns cannot name security groups.
     */
    readonly vpcCidrs: readonly string[];
    /** Required. From the size preset. */
    readonly maxConnections: number;
    /** standby: the primary's stable name. */
    readonly primaryHost?: string;
    /** primary: where the scheduled logical dumps go. */
    readonly dump?: { bucket: string; prefix: string; schedule: string; kmsKeyArn: string };
}

const JSON_FIELD = (field: string) => `python3 -c 'import json,sys; print(json.load(sys.stdin)["${field}"])'`;

/**
 * The boot script of a database VM, rendered from plain values so tests read exactly what runs.
 * Idempotent: a replacement instance finds the data (and, for postgres, its configuration) on the
 * attached volume and only re-applies settings; it formats the volume only when it is blank.
 */
export function vmScript(a: VmScriptArgs): string {
    const pg = a.engine === "postgres";
    const volume = `/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${a.volumeId.replace("-", "")}`;
    // postgres keeps configuration next to the data so a replacement instance is the same server; mysql's lives in the package.
    const binds = pg ? [["etc", "/etc/postgresql"], ["lib", "/var/lib/postgresql"]] : [["lib", "/var/lib/mysql"]];
    const clients = [...a.allowedCidrs, ...a.vpcCidrs];
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        "exec > >(tee -a /var/log/dbplace-init.log) 2>&1",
        "export DEBIAN_FRONTEND=noninteractive",
        ...IMDS_REGION,
        'PRIVATE_IP=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/local-ipv4")',
        "",
        "# Data volume: attached after boot (and re-attached after a replacement), so wait for it.",
        `DEV=${volume}`,
        'for _ in $(seq 1 180); do [ -e "$DEV" ] && break; sleep 5; done',
        '[ -e "$DEV" ] || { echo "data volume never appeared"; exit 1; }',
        'blkid "$DEV" >/dev/null || mkfs.ext4 -q -L dbplace-data "$DEV"',
        `mkdir -p ${DATA_MOUNT}`,
        `grep -q dbplace-data /etc/fstab || echo "LABEL=dbplace-data ${DATA_MOUNT} ext4 defaults,nofail,noatime 0 2" >> /etc/fstab`,
        `mountpoint -q ${DATA_MOUNT} || mount ${DATA_MOUNT}`,
        // A grown volume (bigger preset, or grown by hand after the disk alarm) gets its filesystem grown online.
        'resize2fs "$DEV" || true',
        ...binds.flatMap(([dir, target]) => [
            `mkdir -p ${DATA_MOUNT}/${dir} ${target}`,
            `grep -q " ${target} " /etc/fstab || echo "${DATA_MOUNT}/${dir} ${target} none bind 0 0" >> /etc/fstab`,
            `mountpoint -q ${target} || mount ${target}`,
        ]),
        "",
        "apt-get update -q",
        ...(pg
            ? [
                "apt-get install -y -q postgresql-common ca-certificates curl",
                // The main cluster is created below, only when the volume holds none.
                ...noDefaultClusterLines(),
                "/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y",
                `apt-get install -y -q postgresql-${a.version}`,
                `[ -f /etc/postgresql/${a.version}/main/postgresql.conf ] || pg_createcluster ${a.version} main`,
                `chown -R postgres:postgres ${DATA_MOUNT}/etc ${DATA_MOUNT}/lib`,
            ]
            : [`apt-get install -y -q mysql-server-${a.version} curl`]),
        // Debian 12 packages the AWS CLI; Ubuntu 24.04 (MySQL hosts, and Postgres hosts that keep the Ubuntu
        // image they were created with: the AMI is in ignoreChanges) only has the snap. Decided on the host.
        `if [ "${OS_ID}" = debian ]; then apt-get install -y -q awscli; else snap install aws-cli --classic; export PATH=$PATH:/snap/bin; fi`,
        cloudWatchAgent(a.engine),
        "",
        `SECRET=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id '${a.secretArn}' --query SecretString --output text)`,
        `PASSWORD=$(echo "$SECRET" | ${JSON_FIELD("password")})`,
        ...(pg ? [`REPLICATION_PASSWORD=$(echo "$SECRET" | ${JSON_FIELD("replicationPassword")})`] : []),
        "",
        ...(pg ? postgresSetup(a, clients) : mysqlSetup(a, clients)),
        ...(a.role === "primary" && a.dump ? dumpSchedule(a) : []),
        "echo dbplace: ready",
        "",
    ].join("\n");
}

function postgresSetup(a: VmScriptArgs, clients: string[]): string[] {
    const etc = `/etc/postgresql/${a.version}/main`;
    const data = `/var/lib/postgresql/${a.version}/main`;
    const hba = [
        "local   all          postgres                    peer",
        "local   all          all                         scram-sha-256",
        "hostssl all          all          127.0.0.1/32   scram-sha-256",
        ...clients.map((c) => `hostssl ${a.database.padEnd(12)} all          ${c.padEnd(14)} scram-sha-256`),
        ...a.vpcCidrs.map((c) => `hostssl replication  ${REPLICATION_USER}   ${c.padEnd(14)} scram-sha-256`),
    ];
    const setup = [
        `cat > ${etc}/conf.d/10-dbplace.conf <<EOF`,
        "listen_addresses = 'localhost,${PRIVATE_IP}'",
        // Debian's packages ship a self-signed certificate (ssl-cert-snakeoil); pg_hba only has hostssl lines.
        "ssl = on",
        "password_encryption = scram-sha-256",
        `max_connections = ${a.maxConnections}`,
        "wal_level = replica",
        "max_wal_senders = 10",
        "hot_standby = on",
        "EOF",
        `cat > ${etc}/pg_hba.conf <<'EOF'`,
        ...hba,
        "EOF",
    ];
    if (a.role === "standby") {
        return [
            ...setup,
            `if [ ! -f ${data}/standby.signal ]; then`,
            `  systemctl stop postgresql@${a.version}-main || true`,
            `  rm -rf ${data} && install -d -o postgres -g postgres -m 700 ${data}`,
            `  until sudo -u postgres env PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -d "host=${a.primaryHost} user=${REPLICATION_USER} sslmode=require" -D ${data} -R -X stream -c fast; do`,
            '    echo "waiting for the primary"; sleep 15',
            `    rm -rf ${data} && install -d -o postgres -g postgres -m 700 ${data}`,
            "  done",
            "fi",
            `systemctl enable --now postgresql@${a.version}-main`,
            `systemctl restart postgresql@${a.version}-main`,
        ];
    }
    return [
        ...setup,
        `systemctl enable postgresql@${a.version}-main`,
        `systemctl restart postgresql@${a.version}-main`,
        // Re-applied at every first boot of an instance: the roles follow the secret.
        `sudo -u postgres psql -v ON_ERROR_STOP=1 -v pw="$PASSWORD" -v rpw="$REPLICATION_PASSWORD" <<'SQL'`,
        `SELECT 'CREATE ROLE ${a.username} LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${a.username}')\\gexec`,
        `ALTER ROLE ${a.username} WITH LOGIN CREATEDB CREATEROLE PASSWORD :'pw';`,
        `SELECT 'CREATE ROLE ${REPLICATION_USER} REPLICATION LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${REPLICATION_USER}')\\gexec`,
        `ALTER ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD :'rpw';`,
        `SELECT 'CREATE DATABASE ${a.database} OWNER ${a.username}' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '${a.database}')\\gexec`,
        "SQL",
    ];
}

function mysqlSetup(a: VmScriptArgs, clients: string[]): string[] {
    const hosts = clients.filter((c) => !c.includes(":")).map(mysqlHost);
    // The data disk is bind-mounted at the package's own datadir (AppArmor's profile on Ubuntu names it).
    const datadir = "/var/lib/mysql";
    return [
        ...flavourLines(),
        ...initialiseLines(datadir),
        ...certificateLines(datadir),
        'cat > "$MYSQL_CNF_DIR/zz-dbplace.cnf" <<EOF',
        "[mysqld]",
        "bind-address = 127.0.0.1,${PRIVATE_IP}",
        ...tlsOptions(datadir),
        `max_connections = ${a.maxConnections}`,
        "EOF",
        ...mysqlOnlyOptionLines([]),
        ...startLines(),
        mysqlAuthSocketLine(),
        "mysql --protocol=socket -uroot <<SQL",
        ...rootSocketOnlySql(),
        `CREATE DATABASE IF NOT EXISTS \\\`${a.database}\\\`;`,
        ...hosts.flatMap((h) => [
            `CREATE USER IF NOT EXISTS '${a.username}'@'${h}' IDENTIFIED BY '\${PASSWORD}' REQUIRE SSL;`,
            `ALTER USER '${a.username}'@'${h}' IDENTIFIED BY '\${PASSWORD}' REQUIRE SSL;`,
            `GRANT ALL PRIVILEGES ON \\\`${a.database}\\\`.* TO '${a.username}'@'${h}';`,
        ]),
        "SQL",
    ];
}

/** The bake input: a logical dump on backup.schedule (UTC), uploaded KMS-encrypted; `latest` is what re-bakes read. */
function dumpSchedule(a: VmScriptArgs): string[] {
    const d = a.dump!;
    const base = `s3://${d.bucket}/${d.prefix ? `${d.prefix}/` : ""}${a.database}`;
    const pg = a.engine === "postgres";
    const ext = pg ? "dump" : "sql.gz";
    // Custom format to a file, not a pipe: a seekable archive lets the bake restore in parallel.
    const dump = pg
        ? `sudo -u postgres pg_dump --format=custom --no-owner --dbname=${a.database} --file="$OUT"`
        : `mysqldump --single-transaction --routines ${a.database} | gzip > "$OUT"`;
    return [
        "cat > /usr/local/bin/dbplace-dump <<'EOS'",
        "#!/bin/bash",
        "set -euo pipefail",
        "export PATH=$PATH:/snap/bin",
        ...IMDS_REGION,
        `install -d -o ${pg ? "postgres" : "root"} -m 700 ${DATA_MOUNT}/dumps`,
        `OUT=${DATA_MOUNT}/dumps/$(date -u +%Y%m%dT%H%M%SZ).${ext}`,
        dump,
        `aws s3 cp --region "$REGION" --sse aws:kms --sse-kms-key-id '${d.kmsKeyArn}' "$OUT" "${base}/$(basename "$OUT")"`,
        `aws s3 cp --region "$REGION" --sse aws:kms --sse-kms-key-id '${d.kmsKeyArn}' "$OUT" "${base}/latest.${ext}"`,
        'rm -f "$OUT"',
        "EOS",
        "chmod 755 /usr/local/bin/dbplace-dump",
        `printf 'CRON_TZ=UTC\\n%s root /usr/local/bin/dbplace-dump >> /var/log/dbplace-dump.log 2>&1\\n' '${d.schedule}' > /etc/cron.d/dbplace-dump`,
    ];
}

/** CloudWatch agent: data-disk use, memory and the engine process, the metrics ec2Alarms() watches. */
function cloudWatchAgent(engine: Engine): string {
    const config = {
        agent: { metrics_collection_interval: 60 },
        metrics: {
            namespace: "CWAgent",
            append_dimensions: { InstanceId: "${aws:InstanceId}" },
            metrics_collected: {
                // drop_device: the NVMe device name varies per instance; the alarm matches path + fstype.
                disk: { resources: [DATA_MOUNT], measurement: ["used_percent"], drop_device: true },
                mem: { measurement: ["mem_used_percent"] },
                procstat: [{ exe: ENGINE_PROCESS[engine], measurement: ["pid_count"] }],
            },
        },
    };
    return [
        `curl -fsSLo /tmp/cwagent.deb "https://amazoncloudwatch-agent.s3.amazonaws.com/${OS_ID}/$(dpkg --print-architecture)/latest/amazon-cloudwatch-agent.deb"`,
        "dpkg -i /tmp/cwagent.deb",
        "cat > /opt/aws/amazon-cloudwatch-agent/etc/dbplace.json <<'EOF'",
        JSON.stringify(config, null, 2),
        "EOF",
        "/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/dbplace.json",
    ].join("\n");
}
