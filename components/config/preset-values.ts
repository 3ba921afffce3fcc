import type { Size } from "./schema";

/**
 * The shapes of size presets and the helpers the placement descriptors write their rows with. Kept apart
 * from presets.ts (which reads the descriptors) so a descriptor can build its rows without a cycle.
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

/** Cluster and docker presets: Kubernetes-style resource quantities. */
export const CONTAINER_PRESETS: Record<Size, ContainerPreset> = {
    small: container("250m", "1", "512Mi", "10Gi", 100),
    medium: container("1", "2", "2Gi", "50Gi", 200),
    large: container("2", "4", "8Gi", "200Gi", 400),
};

export const instance = (instanceType: string, storageGb: number, maxConnections: number): InstancePreset => ({
    kind: "instance",
    instanceType,
    storageGb,
    maxStorageGb: storageGb * 5,
    maxConnections,
});
