import { BAKED } from "../bake";
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

/**
 * Boot script of a baked-replica instance: install Docker, pull the baked image (ECR login with the
 * instance role), run it with the data already inside — no volume — and every 5 minutes publish the
 * age of the dump it serves, which is what the staleness alarm watches. IMDS hop limit 1 keeps the
 * container itself away from the instance's credentials.
 */
export function replicaUserData(args: { image: string; database: string; stack: string }): string {
    const registry = ecrRegistry(args.image);
    const query = BAKED.ageQuery.replace(/"/g, '\\"');
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        "export DEBIAN_FRONTEND=noninteractive",
        "apt-get update -q",
        // Debian 12 (lookups.ts debianAmi) packages both.
        "apt-get install -y -q docker.io awscli",
        ...IMDS_REGION,
        ...(registry ? [`aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin ${registry}`] : []),
        `docker pull ${args.image}`,
        `docker run -d --name baked-replica --restart always -p ${BAKED.port}:${BAKED.port} ${args.image}`,
        "cat > /usr/local/bin/dbplace-report-age <<'EOS'",
        "#!/bin/bash",
        "set -euo pipefail",
        ...IMDS_REGION,
        `AGE=$(docker exec baked-replica psql -h 127.0.0.1 -p ${BAKED.port} -U ${BAKED.readerRole} -d ${args.database} -XAtq -c "${query}")`,
        `aws cloudwatch put-metric-data --region "$REGION" --namespace ${STALENESS_METRIC.namespace} --metric-name ${STALENESS_METRIC.metricName} --unit Seconds --dimensions Stack=${args.stack},Database=${args.database} --value "$AGE"`,
        "EOS",
        "chmod 755 /usr/local/bin/dbplace-report-age",
        "echo '*/5 * * * * root /usr/local/bin/dbplace-report-age >/dev/null 2>&1' > /etc/cron.d/dbplace-report-age",
        "",
    ].join("\n");
}
