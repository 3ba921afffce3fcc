import { DatabaseSpec } from "../../components/config";
import { CostEstimate } from "./cost/estimate";
import { formatCost } from "./cost/format";
import { backupsOf } from "./facts/backups";
import { encryptionOf, haOf } from "./facts/durability";
import { alertsOf, exposureOf } from "./facts/exposure";
import { PlannedResource } from "./model";
import { get } from "./resources";

/**
 * The side-by-side rows for one database in one stack. Settings come from the resolved spec (what the
 * program was asked to build); the machine type, reach, clients, alerts, PITR, protection and the
 * resource count come from the registered resources (what it would actually build).
 */
export interface DatabaseFacts {
    spec: DatabaseSpec;
    resources: readonly PlannedResource[];
    cost: CostEstimate;
    currency: string;
}

/** Row order of the summary; the label is the part after `db/`. */
export const DATABASE_SETTINGS: readonly [string, (f: DatabaseFacts) => string][] = [
    ["placement", ({ spec }) => `${spec.placement} on ${spec.cloud}`],
    ["engine", ({ spec }) => `${spec.engine} ${spec.engineVersion}`],
    ["size", ({ spec, resources }) => sizeText(spec, resources)],
    ["HA", ({ spec, resources }) => haOf(resources, spec)],
    ["backups", ({ spec, resources }) => backupsOf(resources, spec).backups],
    ["PITR", ({ spec, resources }) => backupsOf(resources, spec).pitr],
    ["encryption", ({ spec, resources }) => encryptionOf(resources, spec)],
    ["replicas", ({ spec }) => replicasText(spec)],
    ["staleness bound", ({ spec }) => stalenessText(spec)],
    ["network", ({ spec, resources }) => exposureOf(resources, spec).reach],
    ["clients", ({ spec, resources }) => exposureOf(resources, spec).clients.join(", ") || "none"],
    ["alerts", ({ spec, resources }) => alertsCount(alertsOf(resources), spec.alertEmail)],
    ["alert kinds", ({ resources }) => alertsText(alertsOf(resources))],
    ["protection", ({ spec, resources }) => protectionText(spec, resources)],
    ["resources", ({ resources }) => String(resources.filter((r) => r.custom).length)],
    ["est. cost/month", ({ cost, currency }) => formatCost(cost, currency)],
];

/** Where each cloud resource names the machine it asks for (GCE gives a path or a bare name). */
const MACHINE_INPUT: Record<string, string> = {
    "aws:rds/instance:Instance": "instanceClass",
    "aws:rds/clusterInstance:ClusterInstance": "instanceClass",
    "aws:ec2/instance:Instance": "instanceType",
    "gcp:sql/databaseInstance:DatabaseInstance": "settings.tier",
    "gcp:compute/instance:Instance": "machineType",
};

/**
 * Machine types the database's own servers (primary, standbys; not read replicas) are created with.
 * Read off the resources, not the preset, so a per-database override such as gcp.tier or
 * gcp.machineType shows as what it is.
 */
function machineTypes(resources: readonly PlannedResource[]): string[] {
    const found = resources.flatMap((r) => {
        const path = MACHINE_INPUT[r.type];
        if (path === undefined || r.inputs.replicateSourceDb !== undefined || r.inputs.masterInstanceName !== undefined) return [];
        const value = get(r.inputs, path);
        return typeof value === "string" && value !== "" ? [value.split("/").pop()!] : [];
    });
    return [...new Set(found)].sort();
}

function sizeText(spec: DatabaseSpec, resources: readonly PlannedResource[]): string {
    const p = spec.preset;
    if (p.kind === "instance") {
        const types = machineTypes(resources);
        const overridden = types.length > 0 && types.some((t) => t !== p.instanceType);
        // What runs first, the preset it replaces last: narrow terminal columns clip the end of a cell.
        const machine = overridden ? types.join(" + ") : p.instanceType;
        return `${spec.size}: ${machine}, ${p.storageGb} GB (max ${p.maxStorageGb})${overridden ? `; overrides preset ${p.instanceType}` : ""}`;
    }
    return `${spec.size}: ${p.cpuRequest}-${p.cpuLimit} CPU, ${p.memoryLimit} RAM, ${p.storage} disk`;
}

function replicasText(spec: DatabaseSpec): string {
    const r = spec.replicas;
    if (r.kind === "none") return "none";
    const extras = [r.kind === "baked" && spec.placement !== "docker" && r.mode === "sidecar" ? "sidecar" : "", r.maxReplicas ? `autoscale ≤ ${r.maxReplicas}` : ""].filter(Boolean);
    return `${r.kind} × ${r.count}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}

function stalenessText(spec: DatabaseSpec): string {
    const r = spec.replicas;
    if (r.kind === "none") return "n/a";
    if (r.kind === "streaming") return "streaming (replication lag)";
    // Only the cluster's in-cluster loop re-bakes by itself; elsewhere replicas.schedule is the cadence of
    // `npm run rebake --every`, run outside the stack, so the row names what the stack does.
    const source = r.source === "loop" ? `re-baked in the cluster from the primary's dumps, cron ${r.schedule ?? spec.backup.schedule} UTC`
        : r.source === "image" ? "pre-baked image" : "baked from the dump at deploy; re-bake: npm run rebake, not scheduled";
    return r.maxStalenessMinutes === undefined ? `unbounded: no maxStalenessMinutes (${source})` : `≤ ${r.maxStalenessMinutes} min (${source})`;
}

function alertsCount(all: string[], email: string | undefined): string {
    return all.length === 0 ? "none" : `${all.length} → ${email ?? "no email (alerts still created)"}`;
}

function alertsText(all: string[]): string {
    if (all.length === 0) return "none";
    // Display names often carry the stack and database ("dbplace prod/app: CPU"); the kind follows the last ": ".
    const kinds = all.map((k) => k.slice(k.lastIndexOf(": ") + 1).trim() || k).sort();
    const counts = new Map<string, number>();
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(", ");
}

function protectionText(spec: DatabaseSpec, resources: readonly PlannedResource[]): string {
    const protectedCount = resources.filter((r) => r.protect).length;
    // The cloud's own guard: RDS and Cloud SQL and GCE `deletionProtection`, EC2 `disableApiTermination`.
    const cloudFlag = resources.some((r) => r.inputs.deletionProtection === true || r.inputs.disableApiTermination === true) ? ", provider flag set" : "";
    return `${spec.deletionProtection ? "on" : "off"} (${protectedCount} protected${cloudFlag})`;
}
