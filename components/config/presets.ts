import { Cloud, Engine, Placement, Size } from "./schema";

/**
 * Size presets per cloud × placement. One table so `compare`, the policy pack and the placements read
 * the same numbers. Cluster/docker presets are Kubernetes-style resource quantities.
 */
export interface ContainerPreset {
    kind: "container";
    cpuRequest: string;
    cpuLimit: string;
    memoryRequest: string;
    memoryLimit: string;
    storage: string;
    maxConnections: number;
}
export interface InstancePreset {
    kind: "instance";
    /** Instance class / machine type / tier, per engine where the cloud prices them differently. */
    instanceType: string;
    storageGb: number;
    maxStorageGb: number;
    maxConnections: number;
}
export type SizePreset = ContainerPreset | InstancePreset;

const container = (cpu: string, cpuLimit: string, mem: string, storage: string, maxConnections: number): ContainerPreset => ({
    kind: "container",
    cpuRequest: cpu,
    cpuLimit,
    memoryRequest: mem,
    memoryLimit: mem,
    storage,
    maxConnections,
});

const CONTAINER_PRESETS: Record<Size, ContainerPreset> = {
    small: container("250m", "1", "512Mi", "10Gi", 100),
    medium: container("1", "2", "2Gi", "50Gi", 200),
    large: container("2", "4", "8Gi", "200Gi", 400),
};

const instance = (instanceType: string, storageGb: number, maxConnections: number): InstancePreset => ({
    kind: "instance",
    instanceType,
    storageGb,
    maxStorageGb: storageGb * 5,
    maxConnections,
});

/** Cloud presets; the cloud issues own these rows. Keyed `${cloud}:${placement}`. */
export const INSTANCE_PRESETS: Partial<Record<`${Cloud}:${Placement}`, Record<Size, InstancePreset>>> = {
    "aws:managed": { small: instance("db.t4g.small", 20, 200), medium: instance("db.m7g.large", 100, 800), large: instance("db.r7g.xlarge", 500, 2000) },
    "aws:vm": { small: instance("t4g.small", 20, 100), medium: instance("m7g.large", 100, 400), large: instance("r7g.xlarge", 500, 1000) },
    "gcp:managed": { small: instance("db-custom-1-3840", 20, 200), medium: instance("db-custom-2-7680", 100, 800), large: instance("db-custom-4-26624", 500, 2000) },
    "gcp:vm": { small: instance("e2-small", 20, 100), medium: instance("e2-standard-2", 100, 400), large: instance("n2-highmem-4", 500, 1000) },
};

/**
 * Rows where one engine needs a different class than the placement's preset. RDS for MySQL has no
 * Performance Insights on db.t4g.small (PostgreSQL has), and the AWS placements always turn it on.
 */
export const ENGINE_PRESET_OVERRIDES: Partial<Record<`${Cloud}:${Placement}:${Engine}`, Partial<Record<Size, InstancePreset>>>> = {
    "aws:managed:mysql": { small: instance("db.t4g.medium", 20, 300) },
};

export function sizePreset(cloud: Cloud, placement: Placement, size: Size, engine?: Engine): SizePreset {
    const override = engine ? ENGINE_PRESET_OVERRIDES[`${cloud}:${placement}:${engine}`]?.[size] : undefined;
    const table = INSTANCE_PRESETS[`${cloud}:${placement}`];
    return override ?? (table ? table[size] : CONTAINER_PRESETS[size]);
}

/** Kubernetes memory quantity → MiB, for runtimes that take plain numbers (docker). */
export function mebibytes(quantity: string): number {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(quantity);
    if (!m) throw new Error(`cannot read memory quantity "${quantity}"`);
    const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 }[m[2] ?? "Mi"] ?? 1;
    return Math.round(Number(m[1]) * factor);
}
