import type { PlacementFactory } from "../contract";
import { CLOUD_HOSTED, describePlacement, IN_CLUSTER } from "../config/descriptor";
import { instance } from "../config/preset-values";

// The GCP module loads @pulumi/gcp: only when a stack uses it.
const gcp = (): typeof import("./index") => require("./index");

/** Google Cloud: GKE (or any cluster), Compute Engine, Cloud SQL. Shared network and GKE cluster: stack.ts. */
export const GCP_PLACEMENTS = [
    describePlacement({
        cloud: "gcp",
        placement: "cluster",
        runsOn: "the stack's private GKE cluster (cluster.create) or the configured one",
        ...IN_CLUSTER,
        cloudKeys: ["machineType"],
        factory: (): PlacementFactory => (name, spec, opts, shared) => new (gcp().GcpClusterDatabase)(name, { spec, shared: shared.gcp }, opts),
    }),
    describePlacement({
        cloud: "gcp",
        placement: "vm",
        runsOn: "private Compute Engine VMs (Debian 12), standbys in other zones",
        // Without a cluster, baked replicas run on a regional managed instance group of private VMs.
        ...CLOUD_HOSTED,
        presets: { small: instance("e2-small", 20, 100), medium: instance("e2-standard-2", 100, 400), large: instance("n2-highmem-4", 500, 1000) },
        cloudKeys: ["machineType"],
        factory: (): PlacementFactory => (name, spec, opts, shared) => new (gcp().GcpVmDatabase)(name, { spec, shared: shared.gcp }, opts),
    }),
    describePlacement({
        cloud: "gcp",
        placement: "managed",
        runsOn: "Cloud SQL (REGIONAL with highAvailability), Cloud SQL read replicas",
        ...CLOUD_HOSTED,
        presets: { small: instance("db-custom-1-3840", 20, 200), medium: instance("db-custom-2-7680", 100, 800), large: instance("db-custom-4-26624", 500, 2000) },
        cloudKeys: ["tier", "edition"],
        factory: (): PlacementFactory => (name, spec, opts, shared) => new (gcp().GcpManagedDatabase)(name, { spec, shared: shared.gcp }, opts),
    }),
] as const;
