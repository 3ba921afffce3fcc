import { StackEval } from "./model";
import { ancestors, attribute, Role, roleOf } from "./resources";

/**
 * What the diagram draws for one stack: per database, the resources grouped by the part they play
 * (network → database → replicas → monitoring), each group summarised as short lines.
 */
export interface DatabaseTopology {
    name: string;
    /** e.g. "postgres 17 on docker". */
    title: string;
    network: string[];
    primary: string[];
    replicas: string[];
    monitoring: string[];
    backup: string[];
}

export interface StackTopology {
    stack: string;
    error?: string;
    databases: DatabaseTopology[];
    /** Resources no database owns (a shared cluster, a shared network). */
    shared: string[];
}

/** Bookkeeping resources (passwords, providers, secrets, IAM bindings) that would crowd the boxes. */
const NOISE = /^(random:|pulumi:providers:)|:Secret$|:SecretVersion$|:ConfigMap$|Iam(Member|Binding|Policy)$/;

export function topologyOf(e: StackEval): StackTopology {
    if (e.error) return { stack: e.stack, error: e.error.message, databases: [], shared: [] };
    const owner = attribute(e.resources);
    const groups = new Map<string | null, Map<Role, string[]>>();
    for (const r of e.resources) {
        if (!r.custom || NOISE.test(r.type)) continue;
        const role = roleOf(r, ancestors(r, e.resources));
        const db = owner.get(r) ?? null;
        if (!groups.has(db)) groups.set(db, new Map());
        const byRole = groups.get(db)!;
        if (!byRole.has(role)) byRole.set(role, []);
        byRole.get(role)!.push(shortType(r.type));
    }
    const summarise = (db: string | null, role: Role) => counted(groups.get(db)?.get(role) ?? []);
    return {
        stack: e.stack,
        databases: [...e.specs]
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map((spec) => ({
                name: spec.name,
                title: `${spec.engine} ${spec.engineVersion} on ${spec.placement}${spec.highAvailability ? " (HA)" : ""}`,
                network: summarise(spec.name, "network"),
                primary: summarise(spec.name, "primary"),
                replicas: spec.replicas.kind === "none" ? [] : [`${spec.replicas.kind} × ${spec.replicas.count}`, ...summarise(spec.name, "replica")],
                monitoring: summarise(spec.name, "monitoring"),
                backup: summarise(spec.name, "backup"),
            })),
        shared: (["network", "primary", "replica", "monitoring", "backup", "other"] as Role[]).flatMap((role) => summarise(null, role)),
    };
}

/** `kubernetes:apps/v1:StatefulSet` → `StatefulSet`. */
export function shortType(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/** ["Container", "Container", "Volume"] → ["Container ×2", "Volume"], in first-seen order. */
function counted(items: string[]): string[] {
    const counts = new Map<string, number>();
    for (const i of items) counts.set(i, (counts.get(i) ?? 0) + 1);
    return [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k));
}
