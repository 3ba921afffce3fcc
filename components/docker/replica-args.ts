import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";

/** What the docker master hands its replica components. */
export interface DockerReplicaArgs {
    readonly spec: DatabaseSpec;
    /** Name of the database's docker network; replicas join it under the `<name>-ro` alias. */
    readonly network: pulumi.Input<string>;
    /** DNS alias of the master on that network. */
    readonly masterAlias: string;
    readonly masterPassword: pulumi.Input<string>;
    /** Password of the replication role (streaming only). */
    readonly replicationPassword?: pulumi.Input<string>;
    readonly master: docker.Container;
}

/** The read side of the contract that a replica set provides. */
export interface ReplicaEndpoint {
    readonly readHost: pulumi.Output<string>;
    readonly readPort: pulumi.Output<number>;
    readonly readConnectionSecret: pulumi.Output<string>;
}
