import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { ClusterDatabase } from "../cluster/database";
import { DatabaseContract } from "../contract";
import { GkeCluster } from "./gke";
import { GcpSharedInfrastructure } from "./stack";
import { formerTypeAliases } from "../renames";

export interface GcpClusterDatabaseArgs {
    /** Resolved spec: cloud gcp, placement cluster. `cluster.create` decides GKE vs the configured kubeconfig. */
    readonly spec: DatabaseSpec;
    /** What the stack's GCP databases share (network, GKE cluster). Default: shared with no other database. */
    readonly shared?: GcpSharedInfrastructure;
}

/**
 * The in-cluster placement on GCP. With `cluster.create: true` it deploys onto the stack's private GKE
 * cluster (created by the first database that needs it, in the stack's network, with Cloud NAT because
 * the engine and exporter images come from public registries) through its explicit provider; otherwise
 * it deploys onto the cluster named by `cluster.kubeconfig` / `cluster.context`. Everything inside
 * the cluster — StatefulSet, dumps, replicas, Prometheus rules — is the shared cluster placement.
 */
export class GcpClusterDatabase extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "cluster" as const;
    public readonly engine: DatabaseSpec["engine"];
    /** Only with cluster.create. */
    public readonly gke?: GkeCluster;
    public readonly inCluster: ClusterDatabase;

    constructor(name: string, args: GcpClusterDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:gcp:ClusterDatabase", name, {}, formerTypeAliases("dbplace:gcp:ClusterDatabase", opts));
        const { spec } = args;
        this.engine = spec.engine;
        const parent = { parent: this };

        // The stack's one cluster, shared with its other databases that set cluster.create.
        if (spec.cluster.create) this.gke = (args.shared ?? new GcpSharedInfrastructure([spec])).gke(spec, this, name);
        this.inCluster = new ClusterDatabase(`${name}-db`, { spec, provider: this.gke?.provider }, parent);

        this.host = this.inCluster.host;
        this.port = this.inCluster.port;
        this.readHost = this.inCluster.readHost;
        this.readPort = this.inCluster.readPort;
        this.database = this.inCluster.database;
        this.username = this.inCluster.username;
        this.connectionSecret = this.inCluster.connectionSecret;
        this.caCert = this.inCluster.caCert;
        this.readConnectionSecret = this.inCluster.readConnectionSecret;
        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            connectionSecret: this.connectionSecret,
            readConnectionSecret: this.readConnectionSecret,
        });
    }
}
