import { PLACEMENT_DESCRIPTORS } from "../descriptors";
import { CONTAINER_PRESETS, InstancePreset, SizePreset } from "./preset-values";
import { Cloud, Engine, Placement, Size } from "./schema";

export type { ContainerPreset, InstancePreset, SizePreset } from "./preset-values";

/**
 * Size presets per cloud × placement, read from the placement descriptors, so `compare`, the policy
 * pack and the placements read the same numbers. Placements without instance presets (cluster, docker)
 * take the container presets: Kubernetes-style resource quantities.
 */
export const INSTANCE_PRESETS: Partial<Record<`${Cloud}:${Placement}`, Record<Size, InstancePreset>>> = Object.fromEntries(
    PLACEMENT_DESCRIPTORS.flatMap((d) => ("presets" in d && d.presets ? [[`${d.cloud}:${d.placement}`, d.presets]] : [])),
);

/** Rows where one engine needs a different class than the placement's preset (the descriptors' engineOverrides). */
export const ENGINE_PRESET_OVERRIDES: Partial<Record<`${Cloud}:${Placement}:${Engine}`, Partial<Record<Size, InstancePreset>>>> = Object.fromEntries(
    PLACEMENT_DESCRIPTORS.flatMap((d) => Object.entries(("engineOverrides" in d ? d.engineOverrides : undefined) ?? {}).map(([engine, rows]) => [`${d.cloud}:${d.placement}:${engine}`, rows])),
);

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
