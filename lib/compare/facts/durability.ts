import { DatabaseSpec } from "../../../components/config";
import { PlannedResource } from "../model";
import { asArray, get } from "../resources";

/**
 * High availability and encryption as the registered resources set them up. A read replica is not
 * HA (it takes no writes after a failure without a manual promotion), so standbys are counted apart.
 */
const of = (resources: readonly PlannedResource[], type: string) => resources.filter((r) => r.type === type);

export function haOf(resources: readonly PlannedResource[], spec: DatabaseSpec): string {
    const rds = of(resources, "aws:rds/instance:Instance").find((r) => r.inputs.replicateSourceDb === undefined);
    if (rds) return rds.inputs.multiAz === true ? "yes: RDS Multi-AZ, automatic failover" : "no (single AZ)";
    const sql = of(resources, "gcp:sql/databaseInstance:DatabaseInstance").find((r) => r.inputs.masterInstanceName === undefined);
    if (sql) return get(sql.inputs, "settings.availabilityType") === "REGIONAL" ? "yes: Cloud SQL regional, automatic failover" : "no (zonal)";
    const vms = [...of(resources, "aws:ec2/instance:Instance"), ...of(resources, "gcp:compute/instance:Instance")];
    if (vms.length > 0) {
        const standbys = vms.filter((r) => /standby/.test(r.name));
        if (standbys.length === 0) return "no (one VM)";
        const primaryZone = zoneOf(vms.find((r) => /primary/.test(r.name)), resources);
        const zones = standbys.map((r) => zoneOf(r, resources));
        // Only claim zone separation the registered instances or their data volumes show.
        const where = primaryZone === undefined || zones.includes(undefined) ? "" : zones.every((z) => z !== primaryZone) ? " in another zone" : " in the primary's zone";
        return `standby VM × ${standbys.length}${where}, manual failover`;
    }
    const server = of(resources, "kubernetes:apps/v1:StatefulSet").find((r) => /-server$/.test(r.name));
    if (server) return Number(get(server.inputs, "spec.replicas") ?? 1) > 1 ? "hot standby pod, manual failover" : "no (one pod)";
    return spec.placement === "docker" ? "no (one container)" : "no";
}

/** A VM's zone: GCE's own `zone`, or the availability zone of the EBS data volume registered beside an EC2 instance. */
function zoneOf(vm: PlannedResource | undefined, resources: readonly PlannedResource[]): string | undefined {
    if (vm === undefined) return undefined;
    if (typeof vm.inputs.zone === "string") return vm.inputs.zone;
    if (typeof vm.inputs.availabilityZone === "string") return vm.inputs.availabilityZone;
    const stem = vm.name.replace(/-instance$/, "");
    const volume = of(resources, "aws:ebs/volume:Volume").find((v) => v.name === `${stem}-data`);
    return typeof volume?.inputs.availabilityZone === "string" ? volume.inputs.availabilityZone : undefined;
}

export function encryptionOf(resources: readonly PlannedResource[], spec: DatabaseSpec): string {
    return `${atRestOf(resources, spec)}${tlsRequired(resources) ? "; TLS required" : ""}`;
}

function atRestOf(resources: readonly PlannedResource[], spec: DatabaseSpec): string {
    const rds = of(resources, "aws:rds/instance:Instance").find((r) => r.inputs.replicateSourceDb === undefined);
    if (rds) return rds.inputs.storageEncrypted === true ? `at rest: ${rds.inputs.kmsKeyId !== undefined ? "KMS key" : "AWS-managed key"}` : "NOT encrypted at rest";
    const sql = of(resources, "gcp:sql/databaseInstance:DatabaseInstance").find((r) => r.inputs.masterInstanceName === undefined);
    if (sql) return `at rest: ${sql.inputs.encryptionKeyName !== undefined ? "CMEK" : "Google-managed key"}`;
    const ebs = of(resources, "aws:ebs/volume:Volume");
    if (ebs.length > 0) {
        const all = ebs.every((v) => v.inputs.encrypted === true);
        return all ? `at rest: EBS${ebs.every((v) => v.inputs.kmsKeyId !== undefined) ? ", KMS key" : ""}` : "NOT every data volume encrypted";
    }
    const pd = of(resources, "gcp:compute/disk:Disk");
    if (pd.length > 0) return `at rest: ${pd.every((d) => d.inputs.diskEncryptionKey !== undefined) ? "CMEK" : "Google-managed key"}`;
    const claims = of(resources, "kubernetes:apps/v1:StatefulSet").flatMap((s) => asArray(get(s.inputs, "spec.volumeClaimTemplates")));
    if (claims.length > 0) return "as the cluster's storage class";
    return spec.placement === "docker" ? "at rest: none (local volume)" : "unknown";
}

/**
 * Whether the primary refuses plain-text clients, read from what it is configured with: the RDS
 * parameter group, Cloud SQL's sslMode, or the server configuration a VM's boot script or a
 * container's uploaded files write (pg_hba with only hostssl lines for network clients, MySQL's
 * require_secure_transport). Not shown when nothing registered says so.
 */
export function tlsRequired(resources: readonly PlannedResource[]): boolean {
    const rdsParams = of(resources, "aws:rds/parameterGroup:ParameterGroup").flatMap((g) => asArray(g.inputs.parameters) as Record<string, unknown>[]);
    if (rdsParams.some((p) => (p.name === "rds.force_ssl" && String(p.value) === "1") || (p.name === "require_secure_transport" && /^(1|on)$/i.test(String(p.value))))) return true;
    const sql = of(resources, "gcp:sql/databaseInstance:DatabaseInstance").find((r) => r.inputs.masterInstanceName === undefined);
    if (sql) {
        const ip = get(sql.inputs, "settings.ipConfiguration") as Record<string, unknown> | undefined;
        return ["ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"].includes(String(ip?.sslMode)) || ip?.requireSsl === true;
    }
    const primaries = resources.filter((r) => /primary|master/.test(r.name) && ["aws:ec2/instance:Instance", "gcp:compute/instance:Instance", "docker:index/container:Container"].includes(r.type));
    return primaries.length > 0 && primaries.every((r) => serverTexts(r).some(refusesPlainText));
}

/** The configuration text a server resource carries: user data, a startup script, uploaded files. */
function serverTexts(r: PlannedResource): string[] {
    const uploads = (asArray(r.inputs.uploads) as Record<string, unknown>[]).map((u) => u.content);
    return [r.inputs.userData, r.inputs.metadataStartupScript, get(r.inputs, "metadata.startup-script"), ...uploads].filter((t): t is string => typeof t === "string");
}

const PLAIN_HBA = /^\s*(host|hostnossl)\s+\S+\s+\S+\s+(\S+)(?:\s+\S+)?\s+(\S+)/;
const LOCAL_ADDRESS = new Set(["127.0.0.1/32", "::1/128", "localhost"]);

function refusesPlainText(text: string): boolean {
    if (/^\s*require_secure_transport\s*=\s*(ON|1)\s*$/im.test(text)) return true;
    const lines = text.split("\n");
    if (!lines.some((l) => /^\s*hostssl\s/.test(l))) return false;
    // Every plain `host` line either stays on loopback or rejects.
    return lines.every((l) => {
        const m = PLAIN_HBA.exec(l);
        return !m || LOCAL_ADDRESS.has(m[2]) || m[3] === "reject" || /\sreject\s*$/.test(l);
    });
}
