import type { PlacementFactory } from "../contract";
import { describePlacement } from "../config/descriptor";

/** Local Docker: a laptop/CI convenience; the local engine runs the master and its replicas as containers. */
export const DOCKER_PLACEMENTS = [
    describePlacement({
        cloud: "local",
        placement: "docker",
        runsOn: "containers on the local Docker engine",
        replicaSupport: { baked: "self", streaming: "self" },
        bakes: ["postgres", "mysql"],
        factory: (): PlacementFactory => {
            const { DockerDatabase } = require("./database") as typeof import("./database");
            return (name, spec, opts) => new DockerDatabase(name, { spec }, opts);
        },
    }),
] as const;
