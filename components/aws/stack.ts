import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolveStackConfig } from "../config/read";
import { DatabaseSpec } from "../config/validate";
import { AwsEksCluster } from "./eks";
import { AwsNetwork, Egress, egressCovers, widerEgress } from "./network";

/**
 * What the AWS databases of one stack share: one created VPC (and one lookup per reused VPC) and one
 * EKS cluster. The placement factory has one database's spec only, so shared pieces are sized from the
 * whole stack (recorded by the pre-flight, or read from config) for every database that uses them. Keyed by the
 * run's resource monitor, so test runs in one process never see each other's resources.
 */
interface AwsRun {
    specs?: readonly DatabaseSpec[];
    networks: Map<string, AwsNetwork>;
    eks?: AwsEksCluster;
}
const RUNS = new WeakMap<object, AwsRun>();
const OUTSIDE_A_RUN = {};

function current(): AwsRun {
    const monitor = (pulumi.runtime.getMonitor() as object | undefined) ?? OUTSIDE_A_RUN;
    let run = RUNS.get(monitor);
    if (!run) RUNS.set(monitor, (run = { networks: new Map() }));
    return run;
}

/**
 * The stack's AWS databases: recorded by the pre-flight, or else read from the stack's own config the
 * way the program reads it (so sizing never depends on the order databases are constructed in). A
 * library caller whose specs do not come from config gets just the database at hand.
 */
function stackSpecs(run: AwsRun, spec: DatabaseSpec): readonly DatabaseSpec[] {
    if (!run.specs) {
        try {
            run.specs = resolveStackConfig(pulumi.runtime.allConfig(), pulumi.getProject()).databases.filter((s) => s.cloud === "aws");
        } catch {
            run.specs = [];
        }
    }
    return run.specs.some((s) => s.name === spec.name) ? run.specs : [...run.specs, spec];
}

/** Called by the pre-flight with every database of the stack, before any resource exists. */
export function rememberAwsStack(specs: readonly DatabaseSpec[]): void {
    current().specs = specs.filter((s) => s.cloud === "aws");
}

/** Whether the database needs an AWS network at all (an existing cluster brings its own). */
export function usesAwsNetwork(spec: DatabaseSpec): boolean {
    return spec.network.inStackNetwork;
}

export function networkKey(spec: DatabaseSpec): string {
    const n = spec.network;
    return n.existingNetworkId ? `${n.existingNetworkId}:${[...n.existingSubnetIds].sort().join(",")}` : "created";
}

/** Private instances that install packages or pull images need egress; RDS alone needs none. */
export function egressNeed(spec: DatabaseSpec): Egress {
    return !spec.network.needsEgress ? "none" : spec.highAvailability ? "per-az" : "single";
}

/** The network the database lives in, created (or looked up) once per stack and network config. */
export function awsNetwork(spec: DatabaseSpec): AwsNetwork {
    const run = current();
    const key = networkKey(spec);
    const found = run.networks.get(key);
    if (found) {
        if (!egressCovers(found.egress, egressNeed(spec)) && found.created) {
            throw new Error(`database "${spec.name}" needs ${egressNeed(spec)} NAT egress, but the stack's network was created for the databases before it with "${found.egress}"; run the AWS pre-flight (components/placements.ts: preflight) before constructing databases.`);
        }
        return found;
    }
    const sharing = stackSpecs(run, spec).filter((s) => usesAwsNetwork(s) && networkKey(s) === key);
    const network = new AwsNetwork(key === "created" ? "network" : `network-${spec.network.existingNetworkId}`, {
        existingVpcId: spec.network.existingNetworkId,
        existingSubnetIds: spec.network.existingSubnetIds,
        egress: sharing.map(egressNeed).reduce(widerEgress, "none"),
    });
    run.networks.set(key, network);
    return network;
}

/** The stack's EKS cluster (cluster.create), created by the first database that needs it. */
export function awsEks(spec: DatabaseSpec): AwsEksCluster {
    const run = current();
    if (!run.eks) {
        const users = stackSpecs(run, spec).filter((s) => s.cluster.create);
        // Databases live on it: protected unless every database using it has turned protection off.
        run.eks = new AwsEksCluster("eks", { network: awsNetwork(spec), protect: users.some((s) => s.deletionProtection) });
    }
    return run.eks;
}

/** Provider for the stack's EKS cluster when this database asked for one; otherwise the cluster placement builds its own. */
export function awsKubernetesProvider(spec: DatabaseSpec): k8s.Provider | undefined {
    return spec.cluster.create ? awsEks(spec).provider : undefined;
}
