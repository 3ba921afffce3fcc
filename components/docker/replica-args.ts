import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { stalenessDeclaration } from "../declarations";
import { bakedReplicaImage } from "../replicas/bake-image";
import { DatabaseTls } from "../tls";
import { dockerLabels } from "./labels";

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

/**
 * The image baked replicas run, for either engine: `replicas.image` as given, else the stack's own bake
 * (`replicas.dump`, or the empty database the master starts as), tagged by content in a local repository.
 */
export function dockerBakedImage(name: string, spec: DatabaseSpec, readerPassword: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    return spec.replicas.image !== undefined
        ? new docker.RemoteImage(name, { name: spec.replicas.image, keepLocally: true }, opts).imageId
        : bakedReplicaImage(name, { spec, readerPassword, repository: `dbplace/${pulumi.getStack()}-${spec.name}-baked` }, opts);
}

/** A baked replica container's labels: the stack's own, and the promised data age where the policy pack and `docker inspect` see it. */
export function bakedReplicaLabels(spec: DatabaseSpec): docker.types.input.ContainerLabel[] {
    return [
        ...dockerLabels(spec.name, "baked-replica"),
        ...Object.entries(stalenessDeclaration(spec)).map(([label, value]) => ({ label, value })),
    ];
}
