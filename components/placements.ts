import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Cloud, Placement } from "./config/schema";
import { ConfigError } from "./config/errors";
import { DatabaseSpec } from "./config/validate";
import { PlacementFactory } from "./contract";
import { preflightBakes } from "./replicas/preflight";

// Each cloud's SDK takes seconds to load (@pulumi/aws alone is the largest part of a program run), so a
// placement's module is loaded when a stack first uses it, not by every stack.
const aws = (): typeof import("./aws") => require("./aws");
const gcp = (): typeof import("./gcp") => require("./gcp");
const cluster = (): typeof import("./cluster") => require("./cluster");
const docker = (): typeof import("./docker") => require("./docker");

/**
 * The in-cluster placement for any cloud. aws/gcp pass `provider` to run it on the EKS/GKE cluster they
 * create (it is called with the facade as `opts.parent`); without it the placement builds a provider
 * from cluster.kubeconfig/context, or the ambient kubeconfig.
 */
export function clusterFactory(
    provider?: (name: string, spec: DatabaseSpec, opts: pulumi.ComponentResourceOptions) => k8s.Provider,
): PlacementFactory {
    return (name, spec, opts) => new (cluster().ClusterDatabase)(name, { spec, provider: provider?.(name, spec, opts) }, opts);
}

/**
 * One line per cloud × placement; everything else (validation, the facade, outputs) is shared. A missing row is reported by `assertImplemented` before anything is
 * registered.
 */
const REGISTRY: Record<Cloud, Partial<Record<Placement, PlacementFactory>>> = {
    local: {
        docker: (name, spec, opts) => new (docker().DockerDatabase)(name, { spec }, opts),
        cluster: clusterFactory(),
    },
    aws: {
        managed: (name, spec, opts) => {
            const a = aws();
            return new a.AwsManagedDatabase(name, { spec, network: a.awsNetwork(spec), kubernetesProvider: a.awsKubernetesProvider(spec) }, opts);
        },
        vm: (name, spec, opts) => {
            const a = aws();
            return new a.AwsVmDatabase(name, { spec, network: a.awsNetwork(spec), kubernetesProvider: a.awsKubernetesProvider(spec) }, opts);
        },
        cluster: (name, spec, opts) => aws().awsClusterDatabase(name, spec, opts),
    },
    gcp: {
        managed: (name, spec, opts) => new (gcp().GcpManagedDatabase)(name, { spec }, opts),
        vm: (name, spec, opts) => new (gcp().GcpVmDatabase)(name, { spec }, opts),
        cluster: (name, spec, opts) => new (gcp().GcpClusterDatabase)(name, { spec }, opts),
    },
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

/**
 * Checks that need a cloud's API (availability zones, existing subnets), per cloud. The program awaits
 * `preflight` after validation and before the first resource, so these fail like config errors do.
 */
const PREFLIGHTS: Partial<Record<Cloud, (specs: readonly DatabaseSpec[]) => Promise<void>>> = {
    aws: (specs) => aws().awsPreflight(specs),
};

export async function preflight(specs: readonly DatabaseSpec[]): Promise<void> {
    for (const cloud of new Set(specs.map((s) => s.cloud))) await PREFLIGHTS[cloud]?.(specs);
}

/**
 * Everything that must pass before the first resource is registered, after config validation: the
 * placements exist in this build, every dump to bake is sound, and the cloud pre-flight lookups agree.
 * The program, the templates and the examples all call this, so none of them skips a check.
 */
export async function checkStack(specs: readonly DatabaseSpec[], project: string): Promise<void> {
    assertImplemented(specs);
    preflightBakes(specs, project);
    await preflight(specs);
}
