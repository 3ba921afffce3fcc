import { PLACEMENT_DESCRIPTORS } from "../descriptors";

/**
 * The config vocabulary: every allowed value lives here once, so validation messages, docs and the
 * placement registry cannot disagree. Pure data, no Pulumi imports: tests and tools load it cheaply.
 * Clouds and placements are the ones the placement descriptors (components/descriptors.ts) declare.
 */
type Descriptor = (typeof PLACEMENT_DESCRIPTORS)[number];
export type Cloud = Descriptor["cloud"];
export type Placement = Descriptor["placement"];

const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
const table = <K extends string, V>(keys: readonly K[], value: (key: K) => V): Record<K, V> => Object.fromEntries(keys.map((k) => [k, value(k)])) as Record<K, V>;
export const CLOUDS = unique(PLACEMENT_DESCRIPTORS.map((d) => d.cloud)) as readonly Cloud[] as readonly [Cloud, ...Cloud[]];
export const PLACEMENTS = unique(PLACEMENT_DESCRIPTORS.map((d) => d.placement)) as readonly Placement[] as readonly [Placement, ...Placement[]];

export const ENGINES = ["postgres", "mysql"] as const;
export type Engine = (typeof ENGINES)[number];

export const SIZES = ["small", "medium", "large"] as const;
export type Size = (typeof SIZES)[number];

export const REPLICA_KINDS = ["none", "baked", "streaming"] as const;
export type ReplicaKind = (typeof REPLICA_KINDS)[number];

/** Which placements exist on which cloud. `docker` is a laptop/CI convenience; VMs and DBaaS need a cloud. */
export const PLACEMENTS_BY_CLOUD: Record<Cloud, readonly Placement[]> = table(CLOUDS, (c) => PLACEMENT_DESCRIPTORS.filter((d) => d.cloud === c).map((d) => d.placement));

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
export const REPLICA_SUPPORT: Record<Cloud, Partial<Record<Placement, Partial<Record<Exclude<ReplicaKind, "none">, ReplicaHost>>>>> = table(CLOUDS, (c) =>
    Object.fromEntries(PLACEMENT_DESCRIPTORS.filter((d) => d.cloud === c).map((d) => [d.placement, d.replicaSupport])));

/** Engines that can be baked on some placement (the bake library restores pg_dump -Fc and mysqldump files). */
export const BAKEABLE_ENGINES: readonly Engine[] = ["postgres", "mysql"];
/**
 * Where each engine can be baked (the descriptors' `bakes`). MySQL bakes with `docker build` on the local engine only: the daemonless
 * baker (cluster loop, cloud VMs) restores with PostgreSQL binaries.
 */
export const BAKEABLE_PLACEMENTS: Record<Engine, readonly Placement[]> = table(ENGINES, (e) =>
    unique(PLACEMENT_DESCRIPTORS.filter((d) => (d.bakes as readonly Engine[]).includes(e)).map((d) => d.placement)));
/** Engines with streaming replicas on the self-hosted placements (docker, cluster). */
export const STREAMING_ENGINES_SELF_HOSTED: readonly Engine[] = ["postgres"];

/** CIDRs that mean "the whole internet": never allowed to reach a database port. */
export const WORLD_CIDRS = ["0.0.0.0/0", "::/0"] as const;
