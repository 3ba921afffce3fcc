import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { CloudInfrastructure } from "../shared";
import { GkeCluster } from "./gke";
import { GcpNetwork } from "./network";

/** Whether the database needs a GCP network at all (a configured cluster brings its own). */
export function usesGcpNetwork(spec: DatabaseSpec): boolean {
    return spec.network.inStackNetwork;
}

export function gcpNetworkKey(spec: DatabaseSpec): string {
    const n = spec.network;
    return n.existingNetworkId ? `${n.existingNetworkId}:${[...n.existingSubnetIds].sort().join(",")}` : "created";
}

/** VMs (database and baked-replica hosts) and created GKE nodes install packages or pull public images; Cloud SQL alone needs no egress. */
export function needsNat(spec: DatabaseSpec): boolean {
    return spec.network.needsEgress;
}

/**
 * What the GCP databases of one stack share (components/shared.ts): one network per network config — a
 * created VPC named `network` (the same story as AWS, docs/gcp.md "What a stack shares"), or the reused
 * one — and one GKE cluster for every database with `cluster.create`, as on AWS, under the
 * `dbplace:gcp:Shared` component. Every database, its replicas and a created GKE cluster join the
 * network, so the clients the stack names (tags, CIDRs, pods) are in the network that reaches Cloud
 * SQL's private IP: Private Service Access is a peering, and peerings are not transitive, so one VPC per
 * database could never reach another's.
 */
export class GcpSharedInfrastructure extends CloudInfrastructure {
    private readonly networks = new Map<string, GcpNetwork>();
    private gkeCluster?: GkeCluster;

    /** `specs`: the stack's GCP databases. */
    constructor(specs: readonly DatabaseSpec[]) {
        super("gcp", specs);
    }

    /**
     * The network a database lives in, created once per stack and network config by the first database
     * that needs it (`owner`, its placement component). That database's former per-database network is
     * aliased, so a stack deployed with one database per VPC keeps the first one's VPC, subnet and peering.
     */
    network(spec: DatabaseSpec, owner: pulumi.Resource, ownerName: string): GcpNetwork {
        const key = gcpNetworkKey(spec);
        const found = this.networks.get(key);
        if (found) return found;
        const sharing = this.including(spec).filter((s) => usesGcpNetwork(s) && gcpNetworkKey(s) === key);
        const network = new GcpNetwork(key === "created" ? "network" : `network-${spec.network.existingNetworkId!.split("/").pop()}`, {
            spec,
            privateServiceAccess: sharing.some((s) => s.placement === "managed"),
            nat: sharing.some(needsNat),
            formerly: key === "created" ? { name: `${ownerName}-network`, parent: owner } : undefined,
        }, this.pieceOptions());
        this.networks.set(key, network);
        return network;
    }

    /**
     * The stack's GKE cluster (`cluster.create`), created once by the first database that needs it and
     * named `gke`, as AWS's `eks`. That database's former per-database cluster (`<owner>-gke`) is aliased,
     * so a stack deployed with one cluster per database keeps the first one's cluster, node pool and node
     * account in place; the others' clusters go.
     */
    gke(spec: DatabaseSpec, owner: pulumi.Resource, ownerName: string): GkeCluster {
        if (!this.gkeCluster) {
            const users = this.including(spec).filter((s) => s.cluster.create);
            this.gkeCluster = new GkeCluster("gke", {
                // Named and sized after the first database that uses it, in the stack's order.
                spec: users[0] ?? spec,
                users: users.length ? users : [spec],
                network: this.network(spec, owner, ownerName),
                formerly: { name: `${ownerName}-gke`, parent: owner },
            }, this.pieceOptions());
        }
        return this.gkeCluster;
    }
}
