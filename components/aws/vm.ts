import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENGINE_PROFILES } from "../config/engines";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract, statefulOptions } from "../contract";
import { AwsBakedReplicas } from "./baked";
import { privateZone, simpleRecord, weightedRecords } from "./dns";
import { AwsFirewall } from "./firewall";
import { policyDocument, serviceRole, trustService } from "./iam";
import { databaseKey } from "./kms";
import { architectureOf, debianAmi, instancePreset, ubuntuAmi } from "./lookups";
import { AwsAlerts } from "./monitoring";
import { AwsNetwork } from "./network";
import { TLS_PARAMS } from "./rds-settings";
import { awsTags, zoneName } from "./tags";
import { AwsVmBackups } from "./vm-backups";
import { AwsVmNode } from "./vm-node";

export interface AwsVmDatabaseArgs {
    /** Resolved spec (cloud aws, placement vm). */
    readonly spec: DatabaseSpec;
    /** A network with NAT egress (packages, SSM, CloudWatch); the registry passes the stack's shared one. */
    readonly network: AwsNetwork;
    /** EKS provider for baked replicas when the stack created a cluster. Default: none. */
    readonly kubernetesProvider?: k8s.Provider;
}

/**
 * A database on EC2: a private primary instance (SSM only, no SSH) with its data on a separate,
 * protected, encrypted volume; the engine installed and locked down by the boot script (private
 * address only, TLS, client ranges only); scheduled volume snapshots and logical dumps to S3 (the bake
 * input); standbys in the other AZ streaming from the primary for highAvailability or streaming
 * replicas; private DNS names that survive instance replacement.
 */
export class AwsVmDatabase extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    /**
     * The CA of the baked replicas' certificate when an Auto Scaling group serves reads (their connection string
     * verifies it); empty otherwise: the VM's PostgreSQL serves a certificate of no CA of ours (`sslmode=require`).
     */
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "vm" as const;
    public readonly engine: DatabaseSpec["engine"];
    public readonly clientSecurityGroupId: pulumi.Output<string>;
    public readonly alertTopicArn: pulumi.Output<string>;
    /** Where the scheduled dumps land (s3://bucket/prefix/<database>/). */
    public readonly dumpLocation: pulumi.Output<string>;
    public readonly primaryInstanceId: pulumi.Output<string>;

    constructor(name: string, args: AwsVmDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:VmDatabase", name, {}, opts);
        const { spec, network } = args;
        const parent = { parent: this };
        const profile = ENGINE_PROFILES[spec.engine];
        const preset = instancePreset(spec);
        const pg = spec.engine === "postgres";
        this.engine = spec.engine;
        if (network.created && network.egress === "none") {
            // The registry sizes the shared network from every database; a library caller can get this wrong.
            throw new Error(`database "${spec.name}": placement "vm" needs a network with NAT egress (packages, SSM, CloudWatch); create AwsNetwork with egress "single" or "per-az".`);
        }

        const key = databaseKey(name, spec, this);
        const firewall = new AwsFirewall(`${name}-db`, {
            database: spec.name, role: "db", vpcId: network.vpcId, port: profile.port,
            allowedSecurityGroupIds: spec.network.allowedSecurityGroupIds, allowedCidrs: spec.network.allowedCidrs,
            peers: true, webEgress: true,
        }, parent);
        const alerts = new AwsAlerts(`${name}-alerts`, { spec, kmsKeyId: key.arn }, parent);

        // Protected like the data: the data directory keeps the passwords it was initialised with.
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, statefulOptions(spec, parent));
        const replication = pg ? new random.RandomPassword(`${name}-replication-password`, { length: 32, special: false }, statefulOptions(spec, parent)) : undefined;
        // Instances read the passwords at boot with their role: nothing secret is in user data.
        const secret = new aws.secretsmanager.Secret(`${name}-credentials`, {
            description: `dbplace ${pulumi.getStack()}/${spec.name}: engine passwords for the VMs`,
            kmsKeyId: key.arn,
            recoveryWindowInDays: 7,
            tags: awsTags(spec.name, "credentials"),
        }, parent);
        new aws.secretsmanager.SecretVersion(`${name}-credentials`, {
            secretId: secret.id,
            secretString: pulumi.secret(pulumi.jsonStringify({ username: profile.username, password: password.result, replicationPassword: replication?.result ?? "" })),
        }, parent);

        const snapshotTag = `${pulumi.getStack()}/${spec.name}`;
        const backups = new AwsVmBackups(`${name}-backups`, { spec, kmsKeyArn: key.arn, snapshotTag }, parent);
        const dumpPrefix = backups.prefix ? `${backups.prefix}/` : "";

        const { role } = serviceRole(`${name}-instance`, {
            trust: trustService("ec2.amazonaws.com"),
            description: `dbplace ${spec.name} database VMs: SSM sessions, CloudWatch agent, credentials, dumps`,
            managedPolicies: ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"],
            inline: policyDocument([
                { Sid: "ReadCredentials", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret.arn },
                { Sid: "UseDatabaseKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: key.arn },
                { Sid: "WriteDumps", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: pulumi.interpolate`${backups.bucketArn}/${dumpPrefix}${spec.databaseName}/*` },
            ]),
            tags: awsTags(spec.name, "instance"),
        }, this);
        const instanceProfile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name, tags: awsTags(spec.name, "instance") }, parent);

        const zone = privateZone(name, spec.name, network.vpcId, this);
        const primaryName = `primary.${zoneName(spec.name)}`;
        const script = {
            engine: spec.engine,
            version: spec.engineVersion,
            database: spec.databaseName,
            username: profile.username,
            secretArn: secret.arn,
            allowedCidrs: spec.network.allowedCidrs,
            vpcCidrs: network.cidrBlocks,
            maxConnections: preset.maxConnections,
        };
        type Extra = { role: "primary" | "standby"; primaryHost?: string; dump?: { bucket: pulumi.Input<string>; prefix: string; schedule: string; kmsKeyArn: pulumi.Input<string> } };
        const node = (role: string, i: number, extra: Extra) => new AwsVmNode(`${name}-${role}`, {
            spec, role,
            subnetId: network.subnetIds[i % network.subnetIds.length],
            availabilityZone: network.subnetAzs[i % network.subnetAzs.length],
            instanceType: preset.instanceType,
            // Debian 12 for postgres (PGDG builds for it); MySQL needs Ubuntu's archive, Debian ships no mysql-server.
            ami: (spec.engine === "postgres" ? debianAmi : ubuntuAmi)(architectureOf(preset.instanceType), parent),
            securityGroupId: firewall.securityGroupId,
            instanceProfileName: instanceProfile.name,
            kmsKeyArn: key.arn,
            storageGb: preset.storageGb,
            snapshotTag,
            alerts,
            script: pulumi.output({ ...script, ...extra }),
        }, parent);

        const primary = node("primary", 0, {
            role: "primary",
            dump: { bucket: backups.bucket, prefix: backups.prefix, schedule: spec.backup.schedule, kmsKeyArn: key.arn },
        });
        const primaryRecord = simpleRecord(`${name}-primary`, { zoneId: zone.zoneId, recordName: primaryName, type: "A", target: primary.privateIp }, this);

        // A standby for failover with highAvailability; one per streaming replica otherwise. The first sits in the other AZ.
        const standbyCount = Math.max(spec.replicas.kind === "streaming" ? spec.replicas.count : 0, spec.highAvailability ? 1 : 0);
        const standbys = Array.from({ length: standbyCount }, (_, i) => node(`standby-${i}`, i + 1, { role: "standby", primaryHost: primaryName }));

        this.host = primaryRecord.fqdn;
        this.port = pulumi.output(profile.port);
        this.database = pulumi.output(spec.databaseName);
        this.username = pulumi.output(profile.username);
        this.connectionSecret = connectionUri({
            scheme: profile.scheme, username: profile.username, password: password.result, host: this.host, port: this.port, database: spec.databaseName, params: TLS_PARAMS[spec.engine],
        });
        this.clientSecurityGroupId = firewall.clientSecurityGroupId!;
        this.alertTopicArn = alerts.topicArn;
        this.dumpLocation = pulumi.interpolate`s3://${backups.bucket}/${dumpPrefix}${spec.databaseName}/`;
        this.primaryInstanceId = primary.instanceId;

        this.caCert = pulumi.output("");
        if (spec.replicas.kind === "streaming") {
            const records = weightedRecords(`${name}-ro`, { zoneId: zone.zoneId, recordName: `ro.${zoneName(spec.name)}`, type: "A", targets: standbys.map((s) => s.privateIp) }, this);
            this.readHost = records[0].fqdn;
            this.readPort = this.port;
            this.readConnectionSecret = connectionUri({
                scheme: profile.scheme, username: profile.username, password: password.result, host: this.readHost, port: this.readPort, database: spec.databaseName, params: TLS_PARAMS[spec.engine],
            });
        } else if (spec.replicas.kind === "baked") {
            const baked = new AwsBakedReplicas(`${name}-baked`, {
                spec, network, kmsKeyArn: key.arn, masterPassword: password.result, alerts,
                dumpsArn: pulumi.interpolate`${backups.bucketArn}/${dumpPrefix}${spec.databaseName}/*`,
                clientSecurityGroupId: this.clientSecurityGroupId, kubernetesProvider: args.kubernetesProvider,
            }, parent);
            this.readHost = baked.readHost;
            this.readPort = baked.readPort;
            this.readConnectionSecret = baked.readConnectionSecret;
            this.caCert = baked.caCert;
        } else {
            this.readHost = this.host;
            this.readPort = this.port;
            this.readConnectionSecret = this.connectionSecret;
        }

        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            connectionSecret: this.connectionSecret,
            readConnectionSecret: this.readConnectionSecret,
            clientSecurityGroupId: this.clientSecurityGroupId,
            alertTopicArn: this.alertTopicArn,
            dumpLocation: this.dumpLocation,
        });
    }
}
