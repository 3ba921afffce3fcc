import { Cloud, Placement } from "./config/schema";
import { ConfigError } from "./config/errors";
import { DatabaseSpec } from "./config/validate";
import { PlacementFactory } from "./contract";
import { DockerDatabase } from "./docker";

/**
 * One line per cloud × placement. The cloud issues add their rows here; everything else (validation,
 * the facade, outputs) is shared. A missing row is reported by `placementFactory` before anything is
 * registered.
 */
const REGISTRY: Record<Cloud, Partial<Record<Placement, PlacementFactory>>> = {
    local: {
        docker: (name, spec, opts) => new DockerDatabase(name, { spec }, opts),
    },
    aws: {},
    gcp: {},
};

export function placementFactory(cloud: Cloud, placement: Placement): PlacementFactory | undefined {
    return REGISTRY[cloud][placement];
}

export function implementedPlacements(): [Cloud, Placement][] {
    return (Object.keys(REGISTRY) as Cloud[]).flatMap((c) => (Object.keys(REGISTRY[c]) as Placement[]).map((p) => [c, p] as [Cloud, Placement]));
}

/** Fails before any resource is registered when a stack asks for a placement this build lacks. */
export function assertImplemented(specs: readonly DatabaseSpec[]): void {
    const missing = specs.filter((s) => !placementFactory(s.cloud, s.placement));
    if (missing.length > 0) {
        throw new ConfigError(
            missing.map((s) => `database "${s.name}": placement "${s.placement}" on cloud "${s.cloud}" is not implemented in this version; implemented: ${implementedPlacements().map(([c, p]) => `${c}/${p}`).join(", ")}.`),
        );
    }
}
