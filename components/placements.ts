import * as pulumi from "@pulumi/pulumi";
import { Cloud, Placement } from "./config/schema";
import { ConfigError } from "./config/errors";
import { descriptorOf, PLACEMENT_DESCRIPTORS } from "./descriptors";
import { DatabaseSpec } from "./config/validate";
import { PlacementFactory } from "./contract";
import { preflightBakes } from "./replicas/preflight";

const aws = (): typeof import("./aws") => require("./aws");

/** The placement's factory, from its descriptor (components/descriptors.ts); undefined when this build lacks it. */
export function placementFactory(cloud: Cloud, placement: Placement): PlacementFactory | undefined {
    return descriptorOf(cloud, placement)?.factory();
}

export function implementedPlacements(): [Cloud, Placement][] {
    return PLACEMENT_DESCRIPTORS.map((d) => [d.cloud, d.placement]);
}

/** Fails before any resource is registered when a stack asks for a placement this build lacks. */
export function assertImplemented(specs: readonly DatabaseSpec[]): void {
    const missing = specs.filter((s) => !descriptorOf(s.cloud, s.placement));
    if (missing.length > 0) {
        throw new ConfigError(
            missing.map((s) => `database "${s.name}": placement "${s.placement}" on cloud "${s.cloud}" is not implemented in this version; implemented: ${implementedPlacements().map(([c, p]) => `${c}/${p}`).join(", ")}.`),
        );
    }
}

/**
 * Checks that need a cloud's API (availability zones, existing subnets), per cloud. The program awaits
 * `preflight` after validation and before the first resource, so these fail like config errors do.
 */
const PREFLIGHTS: Partial<Record<Cloud, (specs: readonly DatabaseSpec[], project: string) => Promise<void>>> = {
    aws: (specs, project) => aws().awsPreflight(specs, project),
};

/** `project`: the config namespace the specs were read from, which the errors name (default: the Pulumi project). */
export async function preflight(specs: readonly DatabaseSpec[], project: string = pulumi.getProject()): Promise<void> {
    for (const cloud of new Set(specs.map((s) => s.cloud))) await PREFLIGHTS[cloud]?.(specs, project);
}

/**
 * Everything that must pass before the first resource is registered, after config validation: the
 * placements exist in this build, every dump to bake is sound, and the cloud pre-flight lookups agree.
 * The program, the templates and the examples all call this, so none of them skips a check.
 */
export async function checkStack(specs: readonly DatabaseSpec[], project: string): Promise<void> {
    assertImplemented(specs);
    preflightBakes(specs, project);
    await preflight(specs, project);
}
