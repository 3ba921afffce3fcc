import type { PlacementFactory } from "../contract";
import type { Engine, ReplicaHost, ReplicaKind, Size } from "./schema";
import type { InstancePreset } from "./preset-values";

/**
 * Everything the program knows about one cloud × placement, declared next to the placement's code
 * (`components/<folder>/placement.ts`) and listed once in components/descriptors.ts. Validation, the
 * placement registry, the size presets and docs/architecture.md's matrix are all read from it.
 * Pure data plus a lazy `factory`: loading a descriptor loads no Pulumi SDK, so config tools stay fast
 * and a stack pays only for the SDKs of the placements it uses.
 */
export interface PlacementDescriptor<C extends string = string, P extends string = string> {
    readonly cloud: C;
    readonly placement: P;
    /** One line for the docs' matrix: what the placement runs on. */
    readonly runsOn: string;
    /**
     * Where each replica kind runs (see ReplicaHost in schema.ts); a kind left out is not offered here.
     */
    readonly replicaSupport: Partial<Record<Exclude<ReplicaKind, "none">, ReplicaHost>>;
    /** Engines whose dumps this placement bakes into replica images (with replicaSupport.baked). */
    readonly bakes: readonly Engine[];
    /** Instance presets per size; without them the placement takes the container presets. */
    readonly presets?: Record<Size, InstancePreset>;
    /** Sizes where one engine needs another class than `presets` gives. */
    readonly engineOverrides?: Partial<Record<Engine, Partial<Record<Size, InstancePreset>>>>;
    /** Keys of the cloud's own config block (`gcp.tier`, …) that apply to this placement; others are refused. Default: none. */
    readonly cloudKeys?: readonly string[];
    /** Loads the placement's module (and with it the cloud SDK) and returns what builds one database. */
    readonly factory: () => PlacementFactory;
}

/** Keeps the literal cloud and placement names, from which the config vocabulary's types derive. */
export function describePlacement<const C extends string, const P extends string>(d: PlacementDescriptor<C, P>): PlacementDescriptor<C, P> {
    return d;
}

/** The in-cluster placement, on any cloud: it runs both replica kinds itself and bakes postgres (the daemonless baker). */
export const IN_CLUSTER = { replicaSupport: { baked: "self", streaming: "self" }, bakes: ["postgres"] } as const;

/**
 * A cloud VM or managed database: its own streaming replicas; baked ones (postgres, the daemonless baker)
 * on the configured cluster, else on VMs the placement creates.
 */
export const CLOUD_HOSTED = { replicaSupport: { baked: "cluster-or-vms", streaming: "self" }, bakes: ["postgres"] } as const;
