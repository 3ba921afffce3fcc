import type { StackInfrastructure } from "./shared";
import * as pulumi from "@pulumi/pulumi";
import { Engine, Placement } from "./config/schema";
import { DatabaseSpec } from "./config/validate";

/**
 * What every placement returns, whatever the cloud: the stack's `databases` output is a map of these.
 * Applications read `connectionSecret` (writes) and `readConnectionSecret` (reads) and never need to
 * know where the database lives.
 */
export interface DatabaseContract {
    /** Primary's address as clients reach it (private DNS name, private IP, or 127.0.0.1 for docker). */
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** Replicas' endpoint; the primary when there are no replicas. */
    readonly readHost: pulumi.Output<string>;
    readonly readPort: pulumi.Output<number>;
    /** Name of the application database. */
    readonly database: pulumi.Output<string>;
    readonly username: pulumi.Output<string>;
    /** Full connection URI with the password: always a Pulumi secret. */
    readonly connectionSecret: pulumi.Output<string>;
    /** URI for the read endpoint (reader role on baked replicas): always a Pulumi secret. */
    readonly readConnectionSecret: pulumi.Output<string>;
    /**
     * PEM of the CA that signed the server certificates, for `sslmode=verify-full` (libpq reads it from
     * ~/.postgresql/root.crt or `sslrootcert`). Empty where the placement has no CA of its own to offer.
     */
    readonly caCert: pulumi.Output<string>;
    readonly placement: Placement;
    readonly engine: Engine;
}

/** The exported, serialisable form of the contract (what `pulumi stack output databases` shows). */
export interface ContractValues {
    host: string;
    port: number;
    readHost: string;
    readPort: number;
    database: string;
    username: string;
    connectionSecret: string;
    readConnectionSecret: string;
    caCert: string;
    placement: Placement;
    engine: Engine;
}

export function contractOutputs(c: DatabaseContract): pulumi.Output<ContractValues> {
    return pulumi.output({
        host: c.host,
        port: c.port,
        readHost: c.readHost,
        readPort: c.readPort,
        database: c.database,
        username: c.username,
        connectionSecret: c.connectionSecret,
        readConnectionSecret: c.readConnectionSecret,
        caCert: c.caCert,
        placement: c.placement,
        engine: c.engine,
    });
}

/** Builds a connection URI as a secret; the password never leaves secret-land. */
export function connectionUri(args: {
    scheme: string;
    username: pulumi.Input<string>;
    password: pulumi.Input<string>;
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    database: pulumi.Input<string>;
    params?: string;
}): pulumi.Output<string> {
    return pulumi.secret(
        pulumi
            .all([args.username, args.password, args.host, args.port, args.database])
            .apply(([u, p, h, port, db]) => `${args.scheme}://${encodeURIComponent(u)}:${encodeURIComponent(p)}@${h}:${port}/${db}${args.params ?? ""}`),
    );
}

/** Constructor signature every placement implementation exposes to the registry. */
export type PlacementFactory = (
    name: string,
    spec: DatabaseSpec,
    opts: pulumi.ComponentResourceOptions,
    /** What the stack's databases share (network, cluster per cloud): one object for the whole stack. */
    shared: StackInfrastructure,
) => pulumi.ComponentResource & DatabaseContract;

/** Resource options for stateful children (volumes, PVCs, instances, disks): Pulumi's own guard. */
export function statefulOptions(spec: DatabaseSpec, opts: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions {
    return { ...opts, protect: spec.deletionProtection, retainOnDelete: spec.deletionProtection ? true : opts.retainOnDelete };
}
