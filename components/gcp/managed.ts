import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENGINE_PROFILES } from "../config/engines";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract, statefulOptions } from "../contract";
import { GcpBakedReplicas } from "./baked";
import { primarySettings, replicaSettings } from "./cloudsql-settings";
import { readReplicaDns } from "./dns";
import { GcpMonitoring } from "./monitoring";
import { cloudSqlVersion, gcpOf, tlsParams } from "./naming";
import { GcpSharedInfrastructure } from "./stack";
import { formerTypeAliases } from "../renames";

export interface GcpManagedDatabaseArgs {
    /** Resolved spec: cloud gcp, placement managed. */
    readonly spec: DatabaseSpec;
    /** What the stack's GCP databases share (network, GKE cluster). Default: shared with no other database. */
    readonly shared?: GcpSharedInfrastructure;
}

/**
 * A database on Cloud SQL, reachable only on a private IP inside its VPC (Private Service Access),
 * TLS required, REGIONAL when highAvailability is set, daily backups with point-in-time recovery for
 * the configured retention, deletion protection in the API and in Pulumi. Streaming replicas are Cloud
 * SQL read replicas behind one private DNS name; baked replicas run as containers (cluster or VMs).
 */
export class GcpManagedDatabase extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    /** The instance's server CA (Cloud SQL's own), for verify-full clients, followed by the baked replicas' CA when VMs serve them. */
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "managed" as const;
    public readonly engine: DatabaseSpec["engine"];
    /** `project:instance`, what `gcloud sql connect` and the Cloud SQL connectors take. */
    public readonly connectionName: pulumi.Output<string>;
    public readonly instance: gcp.sql.DatabaseInstance;
    public readonly replicas: gcp.sql.DatabaseInstance[];

    constructor(name: string, args: GcpManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:gcp:ManagedDatabase", name, {}, formerTypeAliases("dbplace:gcp:ManagedDatabase", opts));
        const { spec } = args;
        const { project, region } = gcpOf(spec);
        const profile = ENGINE_PROFILES[spec.engine];
        this.engine = spec.engine;
        const parent = { parent: this };

        const shared = args.shared ?? new GcpSharedInfrastructure([spec]);
        const network = shared.network(spec, this, name);
        // The instance needs the peering to exist before it can take an address in the reserved range.
        const afterPeering = network.privateServiceConnection ? [network.privateServiceConnection] : [];

        this.instance = new gcp.sql.DatabaseInstance(`${name}-primary`, {
            project,
            region,
            databaseVersion: cloudSqlVersion(spec),
            settings: primarySettings(spec, network.networkId),
            // Provider-level guard: `pulumi destroy` refuses while set, on top of the API-level one in settings.
            deletionProtection: spec.deletionProtection,
        }, statefulOptions(spec, { ...parent, dependsOn: afterPeering }));

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
        const db = new gcp.sql.Database(`${name}-db`, {
            project,
            instance: this.instance.name,
            name: spec.databaseName,
            // ABANDON: dropping the database is never a side effect of a config change; instance protection covers the rest.
            deletionPolicy: "ABANDON",
        }, parent);
        const user = new gcp.sql.User(`${name}-user`, {
            project,
            instance: this.instance.name,
            name: profile.username,
            password: pulumi.secret(password.result),
            // MySQL users are host-scoped: any host, since the network and TLS already restrict who connects.
            host: spec.engine === "mysql" ? "%" : undefined,
            deletionPolicy: "ABANDON",
        }, { ...parent, dependsOn: [db] });

        const streaming = spec.replicas.kind === "streaming";
        this.replicas = streaming
            ? Array.from({ length: spec.replicas.count }, (_, i) =>
                new gcp.sql.DatabaseInstance(`${name}-replica-${i}`, {
                    project,
                    region,
                    databaseVersion: cloudSqlVersion(spec),
                    masterInstanceName: this.instance.name,
                    // failoverTarget is MySQL-only (legacy HA); Cloud SQL refuses it on PostgreSQL replicas.
                    replicaConfiguration: spec.engine === "mysql" ? { failoverTarget: false } : undefined,
                    settings: replicaSettings(spec, network.networkId),
                    // Replicas hold no data of their own: they may be replaced or removed freely.
                    deletionProtection: false,
                }, { ...parent, dependsOn: [...afterPeering, user], ignoreChanges: spec.engine === "mysql" ? [] : ["replicaConfiguration"] }))
            : [];

        this.connectionName = this.instance.connectionName;
        this.host = this.instance.privateIpAddress;
        this.port = pulumi.output(profile.port);
        this.database = db.name;
        this.username = user.name;
        this.connectionSecret = connectionUri({
            scheme: profile.scheme,
            username: user.name,
            password: password.result,
            host: this.host,
            port: this.port,
            database: db.name,
            params: tlsParams(spec),
        });

        let replicaCa: pulumi.Output<string> = pulumi.output("");
        if (streaming) {
            this.readHost = readReplicaDns(`${name}-dns`, { spec, network: network.networkId, replicaIps: this.replicas.map((r) => r.privateIpAddress), parent: this });
            this.readPort = this.port;
            this.readConnectionSecret = connectionUri({
                scheme: profile.scheme,
                username: user.name,
                password: password.result,
                host: this.readHost,
                port: this.readPort,
                database: db.name,
                params: tlsParams(spec),
            });
        } else if (spec.replicas.kind === "baked") {
            const baked = new GcpBakedReplicas(`${name}-baked`, { spec, network, shared, masterPassword: password.result }, parent);
            replicaCa = baked.caCert;
            this.readHost = baked.readHost;
            this.readPort = baked.readPort;
            this.readConnectionSecret = baked.readConnectionSecret;
        } else {
            this.readHost = this.host;
            this.readPort = this.port;
            this.readConnectionSecret = this.connectionSecret;
        }

        // One PEM bundle: libpq's sslrootcert (and most drivers) take several CAs in one file.
        this.caCert = pulumi.all([this.instance.serverCaCerts.apply((c) => c?.[0]?.cert ?? ""), replicaCa])
            .apply((cas) => cas.filter((c) => c.trim()).map((c) => `${c.trim()}\n`).join(""));
        const instanceId = (i: gcp.sql.DatabaseInstance) => pulumi.interpolate`${project}:${i.name}`;
        new GcpMonitoring(`${name}-monitoring`, {
            spec,
            cloudSql: { primary: instanceId(this.instance), replicas: this.replicas.map(instanceId) },
            bakedVms: spec.replicas.runsOn === "vms",
        }, parent);

        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            connectionName: this.connectionName,
            connectionSecret: this.connectionSecret,
            readConnectionSecret: this.readConnectionSecret,
        });
    }
}
