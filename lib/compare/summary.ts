import { DatabaseSpec } from "../../components/config";
import { CostEstimate, formatCost } from "./cost";
import { alertsOf, exposureOf, pitrOf } from "./exposure";
import { PlannedResource } from "./model";

/**
 * The side-by-side rows for one database in one stack. Settings come from the resolved spec (what the
 * program was asked to build); reach, clients, alerts, PITR, protection and the resource count come
 * from the registered resources (what it would actually build).
 */
export interface DatabaseFacts {
    spec: DatabaseSpec;
    resources: readonly PlannedResource[];
    cost: CostEstimate;
    currency: string;
}

/** Row order of the summary; the label is the part after `db/`. */
export const DATABASE_SETTINGS: readonly [string, (f: DatabaseFacts) => string][] = [
    ["cloud", ({ spec }) => spec.cloud],
    ["placement", ({ spec }) => spec.placement],
    ["engine", ({ spec }) => `${spec.engine} ${spec.engineVersion}`],
    ["size", ({ spec }) => sizeText(spec)],
    ["HA", ({ spec }) => (spec.highAvailability ? "yes" : "no")],
    // The docker placement is a laptop/CI convenience with no dump job: say so rather than echo config.
    ["backups", ({ spec }) => (spec.placement === "docker" ? "none (dump on demand: npm run bake -- --from-master)" : `cron ${spec.backup.schedule} → ${spec.backup.destination}`)],
    ["retention", ({ spec }) => (spec.placement === "docker" ? "n/a" : spec.backupRetentionDays === 1 ? "1 day" : `${spec.backupRetentionDays} days`)],
    ["PITR", ({ spec, resources }) => pitrOf(resources, spec)],
    ["replicas", ({ spec }) => replicasText(spec)],
    ["staleness bound", ({ spec }) => stalenessText(spec)],
    ["network", ({ spec, resources }) => exposureOf(resources, spec).reach],
    ["clients", ({ spec, resources }) => exposureOf(resources, spec).clients.join(", ") || "none"],
    ["alerts", ({ resources }) => alertsText(alertsOf(resources))],
    ["alert email", ({ spec }) => spec.alertEmail ?? "none"],
    ["protection", ({ spec, resources }) => protectionText(spec, resources)],
    ["resources", ({ resources }) => String(resources.filter((r) => r.custom).length)],
    ["est. cost/month", ({ cost, currency }) => formatCost(cost, currency)],
];

function sizeText(spec: DatabaseSpec): string {
    const p = spec.preset;
    if (p.kind === "instance") return `${spec.size}: ${p.instanceType}, ${p.storageGb} GB (max ${p.maxStorageGb})`;
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
    const every = r.schedule ?? spec.backup.schedule;
    const source = r.image && !r.dump ? "pre-baked image" : `re-bake cron ${every}`;
    return r.maxStalenessMinutes === undefined ? `unbounded: no maxStalenessMinutes (${source})` : `≤ ${r.maxStalenessMinutes} min (${source})`;
}

function alertsText(all: string[]): string {
    if (all.length === 0) return "none";
    // Display names often carry the stack and database ("dbplace prod/app: CPU"); the kind follows the last ": ".
    const kinds = all.map((k) => k.slice(k.lastIndexOf(": ") + 1).trim() || k).sort();
    const counts = new Map<string, number>();
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    return `${kinds.length}: ${[...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(", ")}`;
}

function protectionText(spec: DatabaseSpec, resources: readonly PlannedResource[]): string {
    const protectedCount = resources.filter((r) => r.protect).length;
    const cloudFlag = resources.some((r) => r.inputs.deletionProtection === true) ? ", provider flag set" : "";
    return `${spec.deletionProtection ? "on" : "off"} (${protectedCount} protected${cloudFlag})`;
}
