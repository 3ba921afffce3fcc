import * as pulumi from "@pulumi/pulumi";
import { resolveStackConfig } from "../config/read";
import { DatabaseSpec } from "../config/validate";
import { GkeCluster } from "./gke";
import { GcpNetwork } from "./network";

/**
 * What the GCP databases of one stack share: one network per network config — a created VPC named
 * `network` (the same story as AWS, docs/gcp.md "What a stack shares"), or the reused one — and one
 * GKE cluster for every database with `cluster.create`, as on AWS. Every
 * database, its replicas and a created GKE cluster join it, so the clients the stack names (tags,
 * CIDRs, pods) are in the network that reaches Cloud SQL's private IP: Private Service Access is a
 * peering, and peerings are not transitive, so one VPC per database could never reach another's.
 * Keyed by the run's resource monitor, like components/aws/stack.ts.
 */
interface GcpRun {
    specs?: readonly DatabaseSpec[];
    networks: Map<string, GcpNetwork>;
    gke?: GkeCluster;
}
const RUNS = new WeakMap<object, GcpRun>();
const OUTSIDE_A_RUN = {};

function current(): GcpRun {
    const monitor = (pulumi.runtime.getMonitor() as object | undefined) ?? OUTSIDE_A_RUN;
    let run = RUNS.get(monitor);
    if (!run) RUNS.set(monitor, (run = { networks: new Map() }));
    return run;
}

/** Called by the GCP pre-flight with every database of the stack, before any resource exists. */
export function rememberGcpStack(specs: readonly DatabaseSpec[]): void {
    current().specs = specs.filter((s) => s.cloud === "gcp");
}

function stackSpecs(run: GcpRun, spec: DatabaseSpec): readonly DatabaseSpec[] {
    if (!run.specs) {
        try {
            run.specs = resolveStackConfig(pulumi.runtime.allConfig(), pulumi.getProject()).databases.filter((s) => s.cloud === "gcp");
        } catch {
            run.specs = [];
        }
    }
    return run.specs.some((s) => s.name === spec.name) ? run.specs : [...run.specs, spec];
}

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
 * The network a database lives in, created once per stack and network config by the first database that
 * needs it (`owner`, its placement component). That database's former per-database network is aliased,
 * so a stack deployed with one database per VPC keeps the first one's VPC, subnet and peering in place.
 */
export function gcpStackNetwork(spec: DatabaseSpec, owner: pulumi.Resource, ownerName: string): GcpNetwork {
    const run = current();
    const key = gcpNetworkKey(spec);
    const found = run.networks.get(key);
    if (found) return found;
    const sharing = stackSpecs(run, spec).filter((s) => usesGcpNetwork(s) && gcpNetworkKey(s) === key);
    const network = new GcpNetwork(key === "created" ? "network" : `network-${spec.network.existingNetworkId!.split("/").pop()}`, {
        spec,
        privateServiceAccess: sharing.some((s) => s.placement === "managed"),
        nat: sharing.some(needsNat),
        formerly: key === "created" ? { name: `${ownerName}-network`, parent: owner } : undefined,
    });
    run.networks.set(key, network);
    return network;
}

/**
 * The stack's GKE cluster (`cluster.create`), created once by the first database that needs it and
 * named `gke`, as AWS's `eks`: `cluster.create` means the same on both clouds. That database's former
 * per-database cluster (`<owner>-gke`) is aliased, so a stack deployed with one cluster per database
 * keeps the first one's cluster, node pool and node account in place; the others' clusters go.
 */
export function gcpGke(spec: DatabaseSpec, owner: pulumi.Resource, ownerName: string): GkeCluster {
    const run = current();
    if (!run.gke) {
        const users = stackSpecs(run, spec).filter((s) => s.cluster.create);
        run.gke = new GkeCluster("gke", {
            // Named and sized after the first database that uses it, in the stack's order.
            spec: users[0] ?? spec,
            users: users.length ? users : [spec],
            network: gcpStackNetwork(spec, owner, ownerName),
            formerly: { name: `${ownerName}-gke`, parent: owner },
        });
    }
    return run.gke;
}
