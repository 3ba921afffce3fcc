/**
 * The config vocabulary: every allowed value lives here once, so validation messages, docs and the
 * placement registry cannot disagree. Pure data, no Pulumi imports: tests and tools load it cheaply.
 */
export const CLOUDS = ["aws", "gcp", "local"] as const;
export type Cloud = (typeof CLOUDS)[number];

export const PLACEMENTS = ["cluster", "vm", "managed", "docker"] as const;
export type Placement = (typeof PLACEMENTS)[number];

export const ENGINES = ["postgres", "mysql"] as const;
export type Engine = (typeof ENGINES)[number];

export const SIZES = ["small", "medium", "large"] as const;
export type Size = (typeof SIZES)[number];

export const REPLICA_KINDS = ["none", "baked", "streaming"] as const;
export type ReplicaKind = (typeof REPLICA_KINDS)[number];

/** Which placements exist on which cloud. `docker` is a laptop/CI convenience; VMs and DBaaS need a cloud. */
export const PLACEMENTS_BY_CLOUD: Record<Cloud, readonly Placement[]> = {
    local: ["docker", "cluster"],
    aws: ["cluster", "vm", "managed"],
    gcp: ["cluster", "vm", "managed"],
};

/**
 * Supported major versions, newest last; the newest is the default. Dated: 2026-11 — a major only
 * appears once every cloud placement we target offers it.
 */
export const ENGINE_VERSIONS: Record<Engine, readonly string[]> = {
    postgres: ["13", "14", "15", "16", "17"],
    mysql: ["8.0", "8.4"],
};

export const MAX_REPLICAS = 20;
export const MAX_BACKUP_RETENTION_DAYS = 35;

/**
 * Where each replica kind can run, per cloud × placement. `self` means the placement runs them itself
 * (docker containers, in-cluster Deployments, RDS/Cloud SQL read replicas); `cluster` means baked
 * replicas need a Kubernetes cluster configured (`cluster` key) because the placement has no container
 * runtime of its own; `cluster-or-vms` runs them on the cluster when one is configured, otherwise on
 * cloud VMs the placement creates. A missing kind means "not available".
 */
export type ReplicaHost = "self" | "cluster" | "cluster-or-vms";
export const REPLICA_SUPPORT: Record<Cloud, Partial<Record<Placement, Partial<Record<Exclude<ReplicaKind, "none">, ReplicaHost>>>>> = {
    local: {
        docker: { baked: "self", streaming: "self" },
        cluster: { baked: "self", streaming: "self" },
    },
    aws: {
        cluster: { baked: "self", streaming: "self" },
        // Without a cluster, baked replicas run on an Auto Scaling group of private instances behind an internal NLB.
        vm: { baked: "cluster-or-vms", streaming: "self" },
        managed: { baked: "cluster-or-vms", streaming: "self" },
    },
    gcp: {
        cluster: { baked: "self", streaming: "self" },
        // Without a cluster, baked replicas run on a regional managed instance group of private VMs.
        vm: { baked: "cluster-or-vms", streaming: "self" },
        managed: { baked: "cluster-or-vms", streaming: "self" },
    },
};

/** Engines that can be baked on some placement (the bake library restores pg_dump -Fc and mysqldump files). */
export const BAKEABLE_ENGINES: readonly Engine[] = ["postgres", "mysql"];
/**
 * Where each engine can be baked. MySQL bakes with `docker build` on the local engine only: the daemonless
 * baker (cluster loop, cloud VMs) restores with PostgreSQL binaries.
 */
export const BAKEABLE_PLACEMENTS: Record<Engine, readonly Placement[]> = {
    postgres: ["cluster", "vm", "managed", "docker"],
    mysql: ["docker"],
};
/** Engines with streaming replicas on the self-hosted placements (docker, cluster). */
export const STREAMING_ENGINES_SELF_HOSTED: readonly Engine[] = ["postgres"];

/** CIDRs that mean "the whole internet": never allowed to reach a database port. */
export const WORLD_CIDRS = ["0.0.0.0/0", "::/0"] as const;
