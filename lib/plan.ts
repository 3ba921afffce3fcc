import { get } from "./compare/resources";
import { MockRun, RecordedResource } from "./mock-runner";

/**
 * Text rendering of a mock run for `npm run plan`: resources grouped per database with the settings a
 * reviewer looks for first. Which inputs count as "key" is a per-type list; unknown types show none.
 */
const KEY_INPUTS: Record<string, string[]> = {
    "docker:index/container:Container": ["image", "ports", "memory", "restart"],
    "docker:index/volume:Volume": ["name"],
    "docker:index/network:Network": ["name", "internal"],
    "docker:index/registryImage:RegistryImage": ["name"],
    "docker:index/remoteImage:RemoteImage": ["name"],
    "kubernetes:apps/v1:StatefulSet": ["metadata.name", "spec.replicas"],
    "kubernetes:apps/v1:Deployment": ["metadata.name", "spec.replicas", "spec.strategy.rollingUpdate"],
    "kubernetes:core/v1:Service": ["metadata.name", "spec.type", "spec.clusterIP"],
    "kubernetes:batch/v1:CronJob": ["metadata.name", "spec.schedule"],
    "kubernetes:policy/v1:PodDisruptionBudget": ["spec.minAvailable", "spec.maxUnavailable"],
    "aws:rds/instance:Instance": ["instanceClass", "engine", "engineVersion", "multiAz", "publiclyAccessible", "storageEncrypted", "backupRetentionPeriod", "deletionProtection"],
    "aws:ec2/instance:Instance": ["instanceType", "associatePublicIpAddress"],
    "aws:ec2/securityGroup:SecurityGroup": ["ingress"],
    "gcp:sql/databaseInstance:DatabaseInstance": ["databaseVersion", "settings.tier", "settings.availabilityType", "settings.ipConfiguration.ipv4Enabled", "deletionProtection"],
    "gcp:compute/instance:Instance": ["machineType", "zone"],
};

function isSecretPath(r: RecordedResource, path: string): boolean {
    return r.secretPaths.some((s) => s === "." || s === path || path.startsWith(`${s}.`) || s.startsWith(`${path}.`));
}

function keySettings(r: RecordedResource): string {
    const parts: string[] = [];
    for (const path of KEY_INPUTS[r.type] ?? []) {
        const value = get(r.inputs, path);
        if (value === undefined) continue;
        const shown = isSecretPath(r, path) ? "[secret]" : JSON.stringify(value);
        parts.push(`${path}=${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`);
    }
    if (r.protect) parts.push("protected");
    if (r.secretPaths.length > 0) parts.push(`secrets: ${r.secretPaths.join(", ")}`);
    return parts.join("  ");
}

export function renderPlan(run: MockRun): string {
    const lines = [`Plan for stack "${run.stack}" (offline: Pulumi mocks, nothing is created)`, ""];
    const groups = new Map<string, RecordedResource[]>();
    for (const r of run.resources) {
        const key = r.database ?? "(stack)";
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    for (const [database, resources] of groups) {
        const outputs = (run.outputs.databases ?? {})[database];
        lines.push(`database ${database}${outputs ? `  (${outputs.placement}, ${outputs.engine})` : ""}: ${resources.length} resources`);
        for (const r of resources) {
            const settings = keySettings(r);
            lines.push(`  + ${r.type}  ${r.name}${settings ? `\n      ${settings}` : ""}`);
        }
        lines.push("");
    }
    lines.push(`${run.resources.length} resources in ${groups.size} group(s).`);
    return lines.join("\n");
}
