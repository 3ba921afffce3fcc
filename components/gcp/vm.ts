import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENGINE_PROFILES } from "../config/engines";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract } from "../contract";
import { GcpBakedReplicas } from "./baked";
import { readReplicaDns } from "./dns";
import { engineFirewall, iapSshFirewall } from "./firewall";
import { GcpMonitoring } from "./monitoring";
import { gcpLabels, gcpOf, networkTag, serviceAccountId, stableZones, stackScopedId, tlsParams } from "./naming";
import { GcpSharedInfrastructure } from "./stack";
import { dumpStorage, snapshotSchedule } from "./vm-backups";
import { databaseVm } from "./vm-instance";
import { PRIVATE_RANGES, startupScript } from "./vm-startup";
import { formerTypeAliases } from "../renames";

export interface GcpVmDatabaseArgs {
    /** Resolved spec: cloud gcp, placement vm. */
    readonly spec: DatabaseSpec;
    /** What the stack's GCP databases share (network, GKE cluster). Default: shared with no other database. */
    readonly shared?: GcpSharedInfrastructure;
    /** Boot image family of the database VMs (project/family). Default debian-cloud/debian-12. */
    readonly imageFamily?: string;
}

/** Roles the VMs' service account holds at project level: GCP offers these two no narrower. */
const VM_PROJECT_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter"];

/**
 * A self-managed database on Compute Engine: a private primary VM whose data lives on a separate,
 * protected SSD with a snapshot schedule, a scheduled logical dump to a private Cloud Storage bucket
 * (the input of baked replicas), the Ops Agent with the engine receiver, SSH only through IAP with OS
 * Login, and a service account that can read its own credentials secret and write dumps, nothing
 * else. highAvailability adds a warm standby in another zone; streaming replicas are standbys behind
 * one private DNS name.
 */
export class GcpVmDatabase extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    /**
     * The CA of the baked replicas' certificate when VMs serve reads (their connection string verifies it);
     * empty otherwise: the database VM serves its own self-signed certificate (`sslmode=require`).
     */
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "vm" as const;
    public readonly engine: DatabaseSpec["engine"];
    /** `gs://bucket/prefix` of the scheduled dumps. */
    public readonly dumpLocation: pulumi.Output<string>;
    public readonly primary: gcp.compute.Instance;
    public readonly standbys: gcp.compute.Instance[];

    constructor(name: string, args: GcpVmDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:gcp:VmDatabase", name, {}, formerTypeAliases("dbplace:gcp:VmDatabase", opts));
        const { spec } = args;
        const { project, region } = gcpOf(spec);
        const profile = ENGINE_PROFILES[spec.engine];
        this.engine = spec.engine;
        const parent = { parent: this };
        const tag = networkTag(spec, "db");

        const shared = args.shared ?? new GcpSharedInfrastructure([spec]);
        const network = shared.network(spec, this, name);

        const sa = new gcp.serviceaccount.Account(`${name}-sa`, {
            project,
            accountId: serviceAccountId(spec, "vm"),
            displayName: `dbplace ${spec.name}: database VMs`,
        }, parent);
        const member = pulumi.interpolate`serviceAccount:${sa.email}`;
        for (const role of VM_PROJECT_ROLES) {
            new gcp.projects.IAMMember(`${name}-sa-${role.split("/")[1].replace(/\./g, "-").toLowerCase()}`, { project, role, member }, parent);
        }

        const secretPassword = (suffix: string) => new random.RandomPassword(`${name}-${suffix}-password`, { length: 32, special: false }, parent).result;
        const password = secretPassword("admin");
        const credentials = new gcp.secretmanager.Secret(`${name}-credentials`, {
            project,
            secretId: stackScopedId(spec, "credentials"),
            replication: { userManaged: { replicas: [{ location: region }] } },
            labels: gcpLabels(spec, "credentials"),
        }, parent);
        const secretValue = new gcp.secretmanager.SecretVersion(`${name}-credentials-v`, {
            secret: credentials.id,
            secretData: pulumi.secret(pulumi.jsonStringify({ admin: password, replication: secretPassword("replication"), monitor: secretPassword("monitor") })),
        }, parent);
        const readSecret = new gcp.secretmanager.SecretIamMember(`${name}-credentials-reader`, {
            project,
            secretId: credentials.secretId,
            role: "roles/secretmanager.secretAccessor",
            member,
        }, parent);

        const dumps = dumpStorage(`${name}-dumps`, { spec, writer: sa.email, parent: this });
        this.dumpLocation = dumps.target;
        const snapshots = snapshotSchedule(`${name}-snapshots`, spec, this);

        const zones = stableZones(project, region, parent);
        const zone = (i: number) => zones.apply((z) => z[i % z.length]);
        const [imageProject, family] = (args.imageFamily ?? "debian-cloud/debian-12").split("/");
        const bootImage = gcp.compute.getImageOutput({ project: imageProject, family }, parent).selfLink;
        const clientCidrs = spec.network.allowedTags.length > 0 ? [...new Set([...spec.network.allowedCidrs, ...PRIVATE_RANGES])] : spec.network.allowedCidrs;
        const replicationCidrs = network.subnetCidr ? [network.subnetCidr] : PRIVATE_RANGES;
        const streaming = spec.replicas.kind === "streaming";
        const standbyCount = streaming ? spec.replicas.count : spec.highAvailability ? 1 : 0;
        // The VMs read the secret on first boot: the binding and the value must both exist before any of them starts.
        const vmArgs = { spec, subnetwork: network.subnetworkId, serviceAccountEmail: sa.email, networkTag: tag, bootImage, dependsOn: [readSecret, secretValue], parent: this };

        const primary = databaseVm(`${name}-primary`, {
            ...vmArgs,
            role: "primary",
            zone: zone(0),
            snapshotPolicy: snapshots,
            startupScript: startupScript({ spec, role: "primary", credentialsSecret: credentials.secretId, dumpTarget: dumps.target, clientCidrs, replicationCidrs: standbyCount > 0 ? replicationCidrs : [] }),
        });
        // Standbys in the other zones, round-robin, so losing a zone leaves a copy.
        const standbys = Array.from({ length: standbyCount }, (_, i) =>
            databaseVm(`${name}-standby-${i}`, {
                ...vmArgs,
                role: "standby",
                zone: zone(i + 1),
                startupScript: startupScript({ spec, role: "standby", credentialsSecret: credentials.secretId, primaryIp: primary.address.address, clientCidrs, replicationCidrs }),
            }),
        );
        this.primary = primary.instance;
        this.standbys = standbys.map((s) => s.instance);

        engineFirewall(`${name}-fw`, { spec, network: network.networkId, targetTag: tag, port: profile.port, peerTags: standbyCount > 0 ? [tag] : [], parent: this });
        iapSshFirewall(`${name}-fw`, { spec, network: network.networkId, targetTag: tag, parent: this });

        this.host = primary.address.address;
        this.port = pulumi.output(profile.port);
        this.database = pulumi.output(spec.databaseName);
        this.username = pulumi.output(profile.username);
        this.connectionSecret = connectionUri({
            scheme: profile.scheme,
            username: profile.username,
            password,
            host: this.host,
            port: this.port,
            database: spec.databaseName,
            params: tlsParams(spec),
        });

        this.caCert = pulumi.output("");
        if (streaming) {
            this.readHost = readReplicaDns(`${name}-dns`, { spec, network: network.networkId, replicaIps: standbys.map((s) => s.address.address), parent: this });
            this.readPort = this.port;
            this.readConnectionSecret = connectionUri({ scheme: profile.scheme, username: profile.username, password, host: this.readHost, port: this.readPort, database: spec.databaseName, params: tlsParams(spec) });
        } else if (spec.replicas.kind === "baked") {
            const baked = new GcpBakedReplicas(`${name}-baked`, { spec, network, shared, masterPassword: password, dumpBucket: dumps.bucketName }, parent);
            this.readHost = baked.readHost;
            this.readPort = baked.readPort;
            this.readConnectionSecret = baked.readConnectionSecret;
            this.caCert = baked.caCert;
        } else {
            // A warm HA standby is for failover, not reads: reads go to the primary.
            this.readHost = this.host;
            this.readPort = this.port;
            this.readConnectionSecret = this.connectionSecret;
        }

        new GcpMonitoring(`${name}-monitoring`, { spec, vm: { standbys: standbyCount > 0 }, bakedVms: spec.replicas.runsOn === "vms" }, parent);

        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            dumpLocation: this.dumpLocation,
            connectionSecret: this.connectionSecret,
            readConnectionSecret: this.readConnectionSecret,
        });
    }
}
