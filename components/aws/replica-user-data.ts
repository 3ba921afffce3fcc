import { BAKED, SECRETS_DIR, START_SCRIPT_PATH } from "../bake";
import { STALENESS_METRIC } from "./alarms";

/** ECR registry host of an image reference, if it lives in ECR (then instances log in with their role). */
export function ecrRegistry(image: string): string | undefined {
    const host = image.split("/")[0];
    return /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(host) ? host : undefined;
}

/** Shell lines that set $REGION from the instance metadata service (IMDSv2: token first). */
export const IMDS_REGION = [
    'IMDS="http://169.254.169.254/latest"',
    'TOKEN=$(curl -fsS -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")',
    'REGION=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/placement/region")',
];

/** Where the host keeps the server certificate and key it mounts read-only into the replica. */
export const HOST_TLS_DIR = "/etc/dbplace/tls";

export interface ReplicaUserDataArgs {
    readonly image: string;
    readonly database: string;
    readonly stack: string;
    /** Secrets Manager secret holding `{cert, key}` (PEM) of the replicas' server certificate. */
    readonly tlsSecretArn: string;
    /**
     * sha256 of the certificate (public): a new certificate changes the user data, so the group rolls
     * to instances that fetch it, with no re-bake.
     */
    readonly certificateDigest: string;
}

/**
 * Boot script of a baked-replica instance: install Docker, read the server certificate and key from
 * Secrets Manager with the instance role (never in user data, never in the image), pull the baked
 * image (ECR login with the instance role), run it with the data already inside — no volume — serving
 * TLS only (`DBPLACE_TLS=required`, the certificate mounted read-only), and every 5 minutes publish the
 * age of the dump it serves, which is what the staleness alarm watches. IMDS hop limit 1 keeps the
 * container itself away from the instance's credentials.
 */
export function replicaUserData(args: ReplicaUserDataArgs): string {
    const registry = ecrRegistry(args.image);
    const query = BAKED.ageQuery.replace(/"/g, '\\"');
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        `# dbplace ${args.stack}/${args.database} baked replica; server certificate sha256 ${args.certificateDigest}`,
        "export DEBIAN_FRONTEND=noninteractive",
        "apt-get update -q",
        // Debian 12 (lookups.ts debianAmi) packages all three.
        "apt-get install -y -q docker.io awscli python3",
        "systemctl enable --now docker",
        ...IMDS_REGION,
        // The secret's value is written before the instances start (replica-group.ts), but a first boot may
        // still race the grant; the key goes from the CLI's stdout to a 0600 file, never through argv or env.
        `install -d -m 700 ${HOST_TLS_DIR}`,
        "fetch_tls() {",
        `  aws secretsmanager get-secret-value --region "$REGION" --secret-id '${args.tlsSecretArn}' --query SecretString --output text | python3 -c '`,
        "import json, os, sys",
        "tls = json.load(sys.stdin)",
        'for name, field in (("server.crt", "cert"), ("server.key", "key")):',
        '    if not tls.get(field): sys.exit("the TLS secret has no " + field + " yet")',
        `    fd = os.open("${HOST_TLS_DIR}/" + name + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)`,
        "    with os.fdopen(fd, \"w\") as f: f.write(tls[field])",
        `    os.replace("${HOST_TLS_DIR}/" + name + ".new", "${HOST_TLS_DIR}/" + name)'`,
        "}",
        "for try in $(seq 1 60); do",
        "  fetch_tls && break",
        '  [ "$try" -lt 60 ] || { echo "dbplace: no TLS certificate after 10 minutes" >&2; exit 1; }',
        '  echo "dbplace: waiting for the TLS secret" >&2; sleep 10',
        "done",
        ...(registry ? [`aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin ${registry}`] : []),
        `docker pull ${args.image}`,
        "docker rm -f baked-replica >/dev/null 2>&1 || true",
        // root only until dbplace-start has copied the key for postgres (mode 0600) and dropped privileges.
        `docker run -d --name baked-replica --restart always --user root -e DBPLACE_TLS=required -v ${HOST_TLS_DIR}:${SECRETS_DIR}:ro -p ${BAKED.port}:${BAKED.port} ${args.image}`,
        "cat > /usr/local/bin/dbplace-report-age <<'EOS'",
        "#!/bin/bash",
        "set -euo pipefail",
        ...IMDS_REGION,
        // The superuser over the container's socket (peer): the reader needs its password, the probe does not.
        `AGE=$(docker exec baked-replica ${START_SCRIPT_PATH} probe ${args.database} "${query}")`,
        `aws cloudwatch put-metric-data --region "$REGION" --namespace ${STALENESS_METRIC.namespace} --metric-name ${STALENESS_METRIC.metricName} --unit Seconds --dimensions Stack=${args.stack},Database=${args.database} --value "$AGE"`,
        "EOS",
        "chmod 755 /usr/local/bin/dbplace-report-age",
        "echo '*/5 * * * * root /usr/local/bin/dbplace-report-age >/dev/null 2>&1' > /etc/cron.d/dbplace-report-age",
        "",
    ].join("\n");
}
