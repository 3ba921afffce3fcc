import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { DatabaseTls } from "../tls";

/** What the docker master hands its replica components. */
export interface DockerReplicaArgs {
    /** Resolved spec of the master; `replicas` says how many, baked or streaming, and what they promise. */
    readonly spec: DatabaseSpec;
    /** Name of the database's docker network; replicas join it under the `<name>-ro` alias. */
    readonly network: pulumi.Input<string>;
    /** DNS alias of the master on that network. */
    readonly masterAlias: string;
    /** The master's admin password: baked replicas derive the reader role's from it (components/replicas/reader.ts); streaming replicas are read with it. */
    readonly masterPassword: pulumi.Input<string>;
    /** Password of the replication role (streaming only). Default: none, which baked replicas need. */
    readonly replicationPassword?: pulumi.Input<string>;
    /** Password of the application role: streaming standbys are read with it (they carry the master's roles). */
    readonly appPassword: pulumi.Input<string>;
    /** The database's CA and server certificate; every replica serves TLS with it. */
    readonly tls: DatabaseTls;
    /** pg_hba.conf and pg_ident.conf of the master, which its standbys apply too. */
    readonly authFiles: Record<string, pulumi.Input<string>>;
    /** The master container: streaming replicas wait for it, then clone from it. */
    readonly master: docker.Container;
}

/** The read side of the contract that a replica set provides. */
export interface ReplicaEndpoint {
    readonly readHost: pulumi.Output<string>;
    readonly readPort: pulumi.Output<number>;
    readonly readConnectionSecret: pulumi.Output<string>;
}
