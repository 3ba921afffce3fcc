import type { PlacementFactory } from "../contract";
import { describePlacement, IN_CLUSTER } from "../config/descriptor";

/** Any Kubernetes cluster named by cluster.kubeconfig/context (or the ambient kubeconfig), on cloud local. */
export const CLUSTER_PLACEMENTS = [
    describePlacement({
        cloud: "local",
        placement: "cluster",
        runsOn: "a StatefulSet on the configured Kubernetes cluster",
        ...IN_CLUSTER,
        factory: (): PlacementFactory => {
            const { ClusterDatabase } = require("./database") as typeof import("./database");
            return (name, spec, opts) => new ClusterDatabase(name, { spec }, opts);
        },
    }),
] as const;
