import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { awsClusterDatabase, awsKubernetesProvider, AwsManagedDatabase, awsNetwork, awsPreflight, AwsVmDatabase } from "./aws";
import { ClusterDatabase } from "./cluster";
import { Cloud, Placement } from "./config/schema";
import { ConfigError } from "./config/errors";
import { DatabaseSpec } from "./config/validate";
import { PlacementFactory } from "./contract";
import { preflightBakes } from "./replicas/preflight";
import { DockerDatabase } from "./docker";
import { GcpClusterDatabase, GcpManagedDatabase, GcpVmDatabase } from "./gcp";

/**
 * The in-cluster placement for any cloud. aws/gcp pass `provider` to run it on the EKS/GKE cluster they
 * create (it is called with the facade as `opts.parent`); without it the placement builds a provider
 * from cluster.kubeconfig/context, or the ambient kubeconfig.
 */
export function clusterFactory(
    provider?: (name: string, spec: DatabaseSpec, opts: pulumi.ComponentResourceOptions) => k8s.Provider,
): PlacementFactory {
    return (name, spec, opts) => new ClusterDatabase(name, { spec, provider: provider?.(name, spec, opts) }, opts);
}

/**
 * One line per cloud × placement. The cloud issues add their rows here; everything else (validation,
 * the facade, outputs) is shared. A missing row is reported by `assertImplemented` before anything is
 * registered.
 */
const REGISTRY: Record<Cloud, Partial<Record<Placement, PlacementFactory>>> = {
    local: {
        docker: (name, spec, opts) => new DockerDatabase(name, { spec }, opts),
        cluster: clusterFactory(),
    },
    aws: {
        managed: (name, spec, opts) => new AwsManagedDatabase(name, { spec, network: awsNetwork(spec), kubernetesProvider: awsKubernetesProvider(spec) }, opts),
        vm: (name, spec, opts) => new AwsVmDatabase(name, { spec, network: awsNetwork(spec), kubernetesProvider: awsKubernetesProvider(spec) }, opts),
        cluster: awsClusterDatabase,
    },
    gcp: {
        managed: (name, spec, opts) => new GcpManagedDatabase(name, { spec }, opts),
        vm: (name, spec, opts) => new GcpVmDatabase(name, { spec }, opts),
        cluster: (name, spec, opts) => new GcpClusterDatabase(name, { spec }, opts),
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
    aws: awsPreflight,
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
