import { ENGINE_PROFILES } from "../components/config/engines";
import { WORLD_CIDRS } from "../components/config/schema";
import { BAKED_REPLICA_ROLE, DECLARED, DECLARED_ENV } from "../components/declarations";
import { K8S_LABELS, LABELS } from "../components/labels";

/**
 * The names the components and the policy pack agree on. A policy can only see resource inputs, so
 * anything it must know about a database (who owns it, what its replicas promise) travels as a label,
 * annotation or tag with one of these keys.
 */
export const KEYS = {
    /** On every dbplace container, volume, Kubernetes object and cloud resource: the database's name. */
    database: LABELS.database,
    /** What the object is for: master, baked-replica, streaming-replica, exporter, backup, data… */
    role: LABELS.role,
    /** On baked replicas (docker label, Kubernetes annotation): the promised data age ceiling, in minutes. */
    maxStaleness: DECLARED.maxStaleness,
    /** On self-hosted backup jobs: how many days of dumps are kept. */
    backupRetention: DECLARED.backupRetention,
    /** Kubernetes objects of the cluster placement: `app.kubernetes.io/part-of: dbplace`… */
    partOf: K8S_LABELS.partOf,
    /** …and their role (`server`, `baked-replica`, `streaming-replica`, `dump`). */
    component: K8S_LABELS.component,
} as const;

/**
 * Containers carry no labels, so a baked replica running as a sidecar in an application's pod states
 * its role and promise in its environment (which the replica's own tooling can read too). The names,
 * like the staleness and retention keys above, come from components/declarations.ts, which writes them.
 */
export const ENV = DECLARED_ENV;

/**
 * GCE and Cloud SQL labels allow only `[a-z0-9_-]` in keys, so the same keys are spelled
 * `dbplace-database` there (or `dbplace_database`); AWS tags use `dbplace:database`.
 */
export function labelKeyVariants(key: string): string[] {
    const bare = key.replace(/^dbplace\.io\//, "");
    return [...new Set([key, `dbplace:${bare}`, `dbplace-${bare}`, `dbplace_${bare}`, key.replace(/[./]/g, "-")])];
}

export const ROLES = { bakedReplica: BAKED_REPLICA_ROLE } as const;

/** Engine ports from the engine table (5432, 3306): the ports no one outside the network may reach. */
export const DATABASE_PORTS: readonly number[] = [...new Set(Object.values(ENGINE_PROFILES).map((p) => p.port))].sort((a, b) => a - b);

/** Port names Kubernetes Services and containers use for the engines. */
export const DATABASE_PORT_NAMES: readonly string[] = ["postgres", "postgresql", "pg", "mysql", "sql", "db"];

export const WORLD: readonly string[] = WORLD_CIDRS;

/** True for 0.0.0.0/0, ::/0 and their spelling variants (`0.0.0.0/0 ` or `::0/0`). */
export function isWorldCidr(cidr: unknown): boolean {
    if (typeof cidr !== "string") return false;
    const c = cidr.trim().toLowerCase();
    return WORLD.includes(c) || c === "::0/0" || c === "0/0" || c === "*" || c === "any";
}
