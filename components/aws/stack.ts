import * as k8s from "@pulumi/kubernetes";
import { DatabaseSpec } from "../config/validate";
import { CloudInfrastructure } from "../shared";
import { AwsEksCluster } from "./eks";
import { AwsNetwork, Egress, egressCovers, widerEgress } from "./network";

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

/**
 * What the AWS databases of one stack share (components/shared.ts): one created VPC (and one lookup per
 * reused VPC) and one EKS cluster, each created by the first database that needs it and sized from
 * every database of the stack, under the `dbplace:aws:Shared` component.
 */
export class AwsSharedInfrastructure extends CloudInfrastructure {
    private readonly networks = new Map<string, AwsNetwork>();
    private eksCluster?: AwsEksCluster;

    /** `specs`: the stack's AWS databases. */
    constructor(specs: readonly DatabaseSpec[]) {
        super("aws", specs);
    }

    /** The network the database lives in, created (or looked up) once per stack and network config. */
    network(spec: DatabaseSpec): AwsNetwork {
        const key = networkKey(spec);
        const found = this.networks.get(key);
        if (found) {
            if (!egressCovers(found.egress, egressNeed(spec)) && found.created) {
                throw new Error(`database "${spec.name}" needs ${egressNeed(spec)} NAT egress, but the stack's network was created for the databases before it with "${found.egress}"; build the stack's databases with one StackInfrastructure of all their specs.`);
            }
            return found;
        }
        const sharing = this.including(spec).filter((s) => usesAwsNetwork(s) && networkKey(s) === key);
        const network = new AwsNetwork(key === "created" ? "network" : `network-${spec.network.existingNetworkId}`, {
            existingVpcId: spec.network.existingNetworkId,
            existingSubnetIds: spec.network.existingSubnetIds,
            egress: sharing.map(egressNeed).reduce(widerEgress, "none"),
        }, this.pieceOptions());
        this.networks.set(key, network);
        return network;
    }

    /** The stack's EKS cluster (cluster.create), created by the first database that needs it. */
    eks(spec: DatabaseSpec): AwsEksCluster {
        if (!this.eksCluster) {
            const users = this.including(spec).filter((s) => s.cluster.create);
            // Databases live on it: protected unless every database using it has turned protection off.
            this.eksCluster = new AwsEksCluster("eks", { network: this.network(spec), protect: users.some((s) => s.deletionProtection) }, this.pieceOptions());
        }
        return this.eksCluster;
    }

    /** Provider for the stack's EKS cluster when this database asked for one; otherwise the cluster placement builds its own. */
    kubernetesProvider(spec: DatabaseSpec): k8s.Provider | undefined {
        return spec.cluster.create ? this.eks(spec).provider : undefined;
    }
}
