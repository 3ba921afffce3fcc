import * as pulumi from "@pulumi/pulumi";
import { BAKED, SECRETS_DIR, START_SCRIPT_PATH } from "../bake";
import { DatabaseSpec } from "../config/validate";
import { BAKED_AGE_METRIC } from "./monitoring";
import { labelValue } from "./naming";

/** Where the host keeps the server certificate and key it mounts read-only into the replica. */
export const HOST_TLS_DIR = "/etc/dbplace/tls";

export interface BakedReplicaStartupArgs {
    /** The baked image the VM runs (Artifact Registry: logged in with the VM's own token). */
    readonly image: pulumi.Input<string>;
    /** Secret Manager secret id holding `{cert, key}` (PEM) of the replicas' server certificate. */
    readonly tlsSecret: pulumi.Input<string>;
    /**
     * sha256 of the certificate (public): a new certificate changes the script, so the group rolls to
     * instances that fetch it, with no re-bake.
     */
    readonly certificateDigest: pulumi.Input<string>;
}

/** The Artifact Registry host of an image (`<location>-docker.pkg.dev`), or undefined for any other registry. */
export function artifactRegistryHost(image: string): string | undefined {
    return /^([a-z0-9-]+-docker\.pkg\.dev)\//.exec(image)?.[1];
}

/**
 * Startup script (every boot, idempotent) of a baked-replica VM on Debian 12, the image of the
 * database VMs: install Docker (through Cloud NAT, first boot only), read the server certificate and
 * key from Secret Manager with the VM's service account (never in metadata, never in the image), log
 * in to Artifact Registry with the VM's token, and run the baked image — the data is inside, no volume
 * — serving TLS only (`DBPLACE_TLS=required`, the certificate mounted read-only). A timer reports
 * the age of the dump the replica serves as a custom metric, which the staleness alert watches.
 */
export function bakedReplicaStartupScript(spec: DatabaseSpec, args: BakedReplicaStartupArgs): pulumi.Output<string> {
    const stack = labelValue(pulumi.getStack());
    const ageQuery = BAKED.ageQuery.replace(/"/g, '\\"');
    return pulumi.all([args.image, args.tlsSecret, args.certificateDigest]).apply(([image, secret, digest]) => {
        const registry = artifactRegistryHost(image);
        return `#!/bin/bash
# dbplace ${pulumi.getStack()}/${spec.name} baked replica; rendered by components/gcp/baked-vm-init.ts.
# Server certificate sha256 ${digest}
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
md() { curl -fsS -H Metadata-Flavor:Google "http://metadata.google.internal/computeMetadata/v1/$1"; }
command -v docker >/dev/null || { apt-get update -q && apt-get install -y -q docker.io; }
# On later boots this script and dockerd start side by side: wait for it.
systemctl enable --now docker

# The server certificate and key, from the CLI's stdout to 0600 files (never argv or env). The grant and
# the value exist before the group (baked.ts); a first boot may still race their propagation.
install -d -m 700 ${HOST_TLS_DIR}
fetch_tls() {
  gcloud secrets versions access latest --secret="${secret}" | python3 -c '
import json, os, sys
tls = json.load(sys.stdin)
for name, field in (("server.crt", "cert"), ("server.key", "key")):
    if not tls.get(field): sys.exit("the TLS secret has no " + field + " yet")
    fd = os.open("${HOST_TLS_DIR}/" + name + ".new", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f: f.write(tls[field])
    os.replace("${HOST_TLS_DIR}/" + name + ".new", "${HOST_TLS_DIR}/" + name)'
}
for try in $(seq 1 60); do
  fetch_tls && break
  [ "$try" -lt 60 ] || { echo "dbplace: no TLS certificate after 10 minutes" >&2; exit 1; }
  echo "dbplace: waiting for the TLS secret" >&2; sleep 10
done
${registry ? `md instance/service-accounts/default/token | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' \\
  | docker login -u oauth2accesstoken --password-stdin https://${registry}` : "# A registry that needs no login from this VM."}
docker pull ${image}
docker rm -f dbplace-replica >/dev/null 2>&1 || true
# root only until dbplace-start has copied the key for postgres (mode 0600) and dropped privileges.
docker run -d --name dbplace-replica --restart always --log-driver journald --user root -e DBPLACE_TLS=required \\
  -v ${HOST_TLS_DIR}:${SECRETS_DIR}:ro -p ${BAKED.port}:${BAKED.port} ${image}

cat > /usr/local/bin/dbplace-report-age <<'EOS'
#!/bin/bash
# Seconds since the dump this replica serves was taken, as ${BAKED_AGE_METRIC}.
set -euo pipefail
# The superuser over the container's socket (peer): the reader needs its password, the probe does not.
age=$(docker exec dbplace-replica ${START_SCRIPT_PATH} probe ${spec.databaseName} "${ageQuery}")
md() { curl -fsS -H Metadata-Flavor:Google "http://metadata.google.internal/computeMetadata/v1/$1"; }
token=$(md instance/service-accounts/default/token | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
project=$(md project/project-id); id=$(md instance/id); zone=$(md instance/zone); zone=\${zone##*/}
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
curl -fsS -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" \\
  "https://monitoring.googleapis.com/v3/projects/$project/timeSeries" \\
  -d "{\\"timeSeries\\":[{\\"metric\\":{\\"type\\":\\"${BAKED_AGE_METRIC}\\",\\"labels\\":{\\"database\\":\\"${spec.name}\\",\\"stack\\":\\"${stack}\\"}},\\"resource\\":{\\"type\\":\\"gce_instance\\",\\"labels\\":{\\"project_id\\":\\"$project\\",\\"instance_id\\":\\"$id\\",\\"zone\\":\\"$zone\\"}},\\"points\\":[{\\"interval\\":{\\"endTime\\":\\"$now\\"},\\"value\\":{\\"int64Value\\":\\"$age\\"}}]}]}"
EOS
chmod 755 /usr/local/bin/dbplace-report-age
cat > /etc/systemd/system/dbplace-age.service <<'EOS'
[Unit]
Description=Report the baked data age of ${spec.name}
[Service]
Type=oneshot
ExecStart=/usr/local/bin/dbplace-report-age
EOS
cat > /etc/systemd/system/dbplace-age.timer <<'EOS'
[Unit]
Description=Report the baked data age every minute
[Timer]
OnBootSec=2min
OnUnitActiveSec=60s
[Install]
WantedBy=timers.target
EOS
systemctl daemon-reload
systemctl enable --now dbplace-age.timer
`;
    });
}
