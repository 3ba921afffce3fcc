import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { engineSections } from "./vm-engines";

export interface StartupScriptArgs {
    /** Resolved spec: engine, version, size, backup schedule. */
    readonly spec: DatabaseSpec;
    /** primary initialises and dumps; standby clones the primary and follows it. */
    readonly role: "primary" | "standby";
    /** Secret Manager secret (id or name) holding `{admin, replication, monitor}` passwords. */
    readonly credentialsSecret: pulumi.Input<string>;
    /** Primary's private IP (standbys replicate from it). */
    readonly primaryIp?: pulumi.Input<string>;
    /** `gs://bucket/prefix` the primary writes scheduled dumps to. */
    readonly dumpTarget?: pulumi.Input<string>;
    /** CIDRs the engine admits for clients (TLS + password). */
    readonly clientCidrs: string[];
    /** CIDRs standbys replicate from; empty on a primary without standbys. */
    readonly replicationCidrs: string[];
}

/** Ranges the engine admits when clients are selected by network tag: private addresses only, the firewall picks the tags. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * The database VM's startup script (runs on every boot, idempotent): mount the data disk (format it
 * only when blank), install the engine and the Ops Agent (through Cloud NAT), read the passwords
 * from Secret Manager with the VM's own service account (they are never in metadata), configure the
 * engine to listen on the private address with TLS and an allow-list, create the accounts, point the
 * Ops Agent's engine receiver at it, and schedule the logical dump to Cloud Storage.
 */
export function startupScript(args: StartupScriptArgs): pulumi.Output<string> {
    const { spec, role } = args;
    const engine = engineSections({ spec, role, clientCidrs: args.clientCidrs, replicationCidrs: args.replicationCidrs });
    return pulumi.all([args.credentialsSecret, args.primaryIp ?? "", args.dumpTarget ?? ""]).apply(([secret, primaryIp, dumpTarget]) => `#!/bin/bash
# dbplace ${pulumi.getStack()}/${spec.name} (${spec.engine} ${spec.engineVersion}, ${role}); rendered by components/gcp/vm-startup.ts.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
DATA=/var/lib/dbplace
PRIMARY_IP="${primaryIp}"
PRIVATE_IP=$(curl -fsS -H Metadata-Flavor:Google http://metadata.google.internal/computeMetadata/v1/instance/network-interfaces/0/ip)

# Data disk: a separate, snapshotted PD. Format only when it has no filesystem yet.
DEV=/dev/disk/by-id/google-data
blkid "$DEV" >/dev/null || mkfs.ext4 -m 0 -E lazy_itable_init=0,lazy_journal_init=0,discard "$DEV"
mkdir -p "$DATA"
grep -q "$DEV" /etc/fstab || echo "$DEV $DATA ext4 discard,defaults,nofail 0 2" >> /etc/fstab
mountpoint -q "$DATA" || mount "$DATA"

apt-get update -q && apt-get install -y -q curl ca-certificates gnupg cron rsync openssl python3
${engine.install}
if ! systemctl is-enabled google-cloud-ops-agent >/dev/null 2>&1; then
  curl -fsSL -o /tmp/add-ops-agent.sh https://dl.google.com/cloudagents/add-google-cloud-ops-agent-repo.sh
  bash /tmp/add-ops-agent.sh --also-install
fi

# Passwords: Secret Manager, readable by this VM's service account only.
CREDS=$(gcloud secrets versions access latest --secret="${secret}")
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$CREDS" "$1"; }
ADMIN_PW=$(field admin); REPL_PW=$(field replication); MONITOR_PW=$(field monitor)
${engine.configure}
${role === "primary" ? engine.accounts : "# Standby: accounts arrive through replication."}

install -d -m 755 /etc/google-cloud-ops-agent
umask 077
cat > /etc/google-cloud-ops-agent/config.yaml <<EOF
${engine.opsAgentReceivers.trim()}
EOF
umask 022
systemctl restart google-cloud-ops-agent
${role === "primary" && dumpTarget ? dumpSchedule(spec, engine.dumpCommand, dumpTarget) : "# No scheduled dump on this instance."}
`);
}

/** Cron (UTC, the image's timezone) → a dump streamed to Cloud Storage, one object per run, never overwritten. */
function dumpSchedule(spec: DatabaseSpec, dumpCommand: string, target: string): string {
    const ext = spec.engine === "postgres" ? "dump" : "sql";
    return `
cat > /usr/local/bin/dbplace-dump <<'EOF'
#!/bin/bash
# Scheduled logical dump: the input of image-baked replicas and a restore path independent of snapshots.
set -euo pipefail
ts=$(date -u +%Y%m%dT%H%M%SZ)
${dumpCommand} | gcloud storage cp - "${target}/${spec.name}/$ts.${ext}"
logger -t dbplace-dump "wrote ${target}/${spec.name}/$ts.${ext}"
EOF
chmod 755 /usr/local/bin/dbplace-dump
echo "${spec.backup.schedule} root /usr/local/bin/dbplace-dump 2>&1 | logger -t dbplace-dump" > /etc/cron.d/dbplace-dump
systemctl enable --now cron`;
}
