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
        const standbys = vms.filter((r) => /standby/.test(r.name)).length;
        return standbys > 0 ? `standby VM × ${standbys} in another zone, manual failover` : "no (one VM)";
    }
    const server = of(resources, "kubernetes:apps/v1:StatefulSet").find((r) => /-server$/.test(r.name));
    if (server) return Number(get(server.inputs, "spec.replicas") ?? 1) > 1 ? "hot standby pod, manual failover" : "no (one pod)";
    return spec.placement === "docker" ? "no (one container)" : "no";
}

export function encryptionOf(resources: readonly PlannedResource[], spec: DatabaseSpec): string {
    const rds = of(resources, "aws:rds/instance:Instance").find((r) => r.inputs.replicateSourceDb === undefined);
    if (rds) return rds.inputs.storageEncrypted === true ? `at rest: ${rds.inputs.kmsKeyId !== undefined ? "KMS key" : "AWS-managed key"}` : "NOT encrypted at rest";
    const sql = of(resources, "gcp:sql/databaseInstance:DatabaseInstance").find((r) => r.inputs.masterInstanceName === undefined);
    if (sql) {
        const key = sql.inputs.encryptionKeyName !== undefined ? "CMEK" : "Google-managed key";
        const tls = get(sql.inputs, "settings.ipConfiguration.sslMode") === "ENCRYPTED_ONLY" ? "; TLS required" : "";
        return `at rest: ${key}${tls}`;
    }
    const ebs = of(resources, "aws:ebs/volume:Volume");
    if (ebs.length > 0) {
        const all = ebs.every((v) => v.inputs.encrypted === true);
        return all ? `at rest: EBS${ebs.every((v) => v.inputs.kmsKeyId !== undefined) ? ", KMS key" : ""}` : "NOT every data volume encrypted";
    }
    const pd = of(resources, "gcp:compute/disk:Disk");
    if (pd.length > 0) return `at rest: ${pd.every((d) => d.inputs.diskEncryptionKey !== undefined) ? "CMEK" : "Google-managed key"}`;
    const claims = of(resources, "kubernetes:apps/v1:StatefulSet").flatMap((s) => asArray(get(s.inputs, "spec.volumeClaimTemplates")));
    if (claims.length > 0) return "as the cluster's storage class";
    return spec.placement === "docker" ? "none (local volume)" : "unknown";
}
