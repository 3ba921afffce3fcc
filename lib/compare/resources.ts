import { RecordedResource } from "../mock-runner";
import { PlannedResource } from "./model";

/** The facade every placement hangs under: the parent chain up to it says which database owns a resource. */
export const DATABASE_TYPE = "dbplace:index:Database";

export function fromRecorded(r: RecordedResource): PlannedResource {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        custom: r.custom,
        parent: r.parent,
        parentUrn: (r as RecordedResource & { parentUrn?: string }).parentUrn,
        inputs: r.inputs ?? {},
        secretPaths: r.secretPaths ?? [],
        protect: r.protect,
    };
}

/**
 * Maps each resource to the database it belongs to (null: stack-wide, e.g. a shared cluster) by
 * walking parents up to the Database facade.
 */
export function attribute(resources: readonly PlannedResource[]): Map<PlannedResource, string | null> {
    const parentOf = parentLookup(resources);
    const owner = new Map<PlannedResource, string | null>();
    for (const r of resources) {
        let cur: PlannedResource | undefined = r;
        for (let depth = 0; cur && cur.type !== DATABASE_TYPE && depth < 64; depth++) cur = parentOf(cur);
        owner.set(r, cur?.type === DATABASE_TYPE ? cur.name : null);
    }
    return owner;
}

/** Parent by URN when known; by logical name otherwise, where components win a clash (only they have children). */
function parentLookup(resources: readonly PlannedResource[]): (r: PlannedResource) => PlannedResource | undefined {
    const byUrn = new Map<string, PlannedResource>();
    const byName = new Map<string, PlannedResource>();
    for (const r of resources) {
        if (r.urn) byUrn.set(r.urn, r);
        if (!r.custom || !byName.has(r.name)) byName.set(r.name, r);
    }
    return (r) => {
        const p = (r.parentUrn && byUrn.get(r.parentUrn)) || (r.parent ? byName.get(r.parent) : undefined);
        return p === r ? undefined : p;
    };
}

export function resourcesOf(resources: readonly PlannedResource[], database: string): PlannedResource[] {
    const owner = attribute(resources);
    return resources.filter((r) => owner.get(r) === database);
}

/** What part of a database a resource plays, for the topology diagram. */
export type Role = "network" | "primary" | "replica" | "monitoring" | "backup" | "component" | "other";

const NETWORK = /(:Network$|NetworkPolicy|SecurityGroup|:Vpc$|:Subnet|Firewall|:Namespace$|SubnetGroup|:Router|:RouteTable|InternetGateway|NatGateway|GlobalAddress|ServiceNetworking|Connection$)/;
const MONITORING = /(Alarm|AlertPolicy|PrometheusRule|ServiceMonitor|PodMonitor|NotificationChannel|:Topic$|TopicSubscription|Dashboard)/;
const REPLICA_NAME = /(replica|-baked|-streaming|-ro$|-ro-|-reader)/;

export function roleOf(r: PlannedResource, chain: readonly PlannedResource[]): Role {
    if (!r.custom) return "component";
    if (MONITORING.test(r.type) || /exporter|alert|alarm/.test(r.name)) return "monitoring";
    if (NETWORK.test(r.type)) return "network";
    // Replicas: the resource or any ancestor component is replica-shaped, or a cloud read replica.
    if (chain.some((a) => /Replica/.test(a.type) || REPLICA_NAME.test(a.name)) || REPLICA_NAME.test(r.name)) return "replica";
    if (r.inputs.replicateSourceDb !== undefined || r.inputs.masterInstanceName !== undefined) return "replica";
    if (/CronJob|backup|dump/i.test(r.type) || /backup|dump/.test(r.name)) return "backup";
    return "primary";
}

/** Ancestors of a resource, nearest first. */
export function ancestors(r: PlannedResource, resources: readonly PlannedResource[]): PlannedResource[] {
    const parentOf = parentLookup(resources);
    const out: PlannedResource[] = [];
    let cur = parentOf(r);
    while (cur && !out.includes(cur) && cur !== r) {
        out.push(cur);
        cur = parentOf(cur);
    }
    return out;
}

/** Reads a nested input by dotted path; arrays by index. */
export function get(value: unknown, path: string): unknown {
    let cur: unknown = value;
    for (const part of path.split(".")) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
}

export function asArray(value: unknown): unknown[] {
    return Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
}
