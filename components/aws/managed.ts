import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { AwsPasswordMode } from "../config/aws";
import { ENGINE_PROFILES } from "../config/engines";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract, statefulOptions } from "../contract";
import { rdsAlarms } from "./alarms";
import { AwsBakedReplicas } from "./baked";
import { privateZone, weightedRecords } from "./dns";
import { AwsFirewall } from "./firewall";
import { serviceRole, trustService } from "./iam";
import { instancePreset } from "./lookups";
import { databaseKey } from "./kms";
import { AwsAlerts } from "./monitoring";
import { AwsNetwork } from "./network";
import { engineLifecycleSupport, finalSnapshotName, parameterFamily, RDS_LOG_EXPORTS, rdsParameters, rdsWindows, TLS_PARAMS } from "./rds-settings";
import { awsTags, zoneName } from "./tags";

export interface AwsManagedDatabaseArgs {
    /** Resolved spec (cloud aws, placement managed). */
    readonly spec: DatabaseSpec;
    /** Where it lives: the registry passes the stack's shared network; a library caller may build its own. */
    readonly network: AwsNetwork;
    /** Default: spec.aws.masterPassword, else `generated`. */
    readonly masterPassword?: AwsPasswordMode;
    /** EKS provider for baked replicas when the stack created a cluster. Default: none. */
    readonly kubernetesProvider?: k8s.Provider;
}

/**
 * A database on RDS: private (no public address, its own security group), encrypted with the
 * database's KMS key, gp3 storage that autoscales, Multi-AZ with highAvailability, automated backups
 * in a window derived from backup.schedule, deletion protection plus a final snapshot, Performance
 * Insights, enhanced monitoring, engine logs in CloudWatch, IAM authentication, and TLS required.
 * Streaming replicas are RDS read replicas behind a weighted private DNS name; baked ones run on the
 * cluster or an Auto Scaling group.
 */
export class AwsManagedDatabase extends pulumi.ComponentResource implements DatabaseContract {
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
     * verifies it); empty otherwise: RDS serves a certificate of no CA of ours (`sslmode=require`).
     */
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "managed" as const;
    public readonly engine: DatabaseSpec["engine"];
    /** Attach to application instances/pods to be admitted. */
    public readonly clientSecurityGroupId: pulumi.Output<string>;
    public readonly alertTopicArn: pulumi.Output<string>;
    /** Each read replica's own endpoint, for clients that verify TLS host names (the weighted name cannot). */
    public readonly replicaAddresses: pulumi.Output<string[]>;
    /** Secrets Manager secret RDS keeps the master credentials in (secretsManager mode only). */
    public readonly masterSecretArn?: pulumi.Output<string>;

    constructor(name: string, args: AwsManagedDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:ManagedDatabase", name, {}, opts);
        const { spec, network } = args;
        const parent = { parent: this };
        const profile = ENGINE_PROFILES[spec.engine];
        const preset = instancePreset(spec);
        const mode = args.masterPassword ?? spec.aws?.masterPassword ?? "generated";
        this.engine = spec.engine;

        const key = databaseKey(name, spec, this);
        const firewall = new AwsFirewall(`${name}-db`, {
            database: spec.name, role: "db", vpcId: network.vpcId, port: profile.port,
            allowedSecurityGroupIds: spec.network.allowedSecurityGroupIds, allowedCidrs: spec.network.allowedCidrs,
        }, parent);
        const alerts = new AwsAlerts(`${name}-alerts`, { spec, kmsKeyId: key.arn }, parent);

        const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: network.subnetIds, tags: awsTags(spec.name, "subnets") }, parent);
        const parameters = new aws.rds.ParameterGroup(`${name}-params`, {
            family: parameterFamily(spec.engine, spec.engineVersion),
            parameters: rdsParameters(spec.engine, preset),
            tags: awsTags(spec.name, "parameters"),
        }, parent);
        const { role: monitoringRole, attachments } = serviceRole(`${name}-monitoring`, {
            trust: trustService("monitoring.rds.amazonaws.com"),
            description: `dbplace ${spec.name}: RDS enhanced monitoring`,
            managedPolicies: ["service-role/AmazonRDSEnhancedMonitoringRole"],
            tags: awsTags(spec.name, "monitoring"),
        }, this);

        const generated = mode === "generated"
            // Protected like the data: the instance keeps the password it was created with.
            ? new random.RandomPassword(`${name}-password`, { length: 32, special: false }, statefulOptions(spec, parent))
            : undefined;
        const windows = rdsWindows(spec.backup.schedule);
        // Per instance, so a stack destroyed and re-created never collides with its own earlier final snapshot.
        const snapshotId = new random.RandomId(`${name}-final-snapshot`, { byteLength: 4 }, parent);
        // Settings the primary and its replicas share.
        const common = {
            instanceClass: preset.instanceType,
            storageType: "gp3",
            maxAllocatedStorage: preset.maxStorageGb,
            storageEncrypted: true,
            kmsKeyId: key.arn,
            dbSubnetGroupName: subnets.name,
            vpcSecurityGroupIds: [firewall.securityGroupId],
            publiclyAccessible: false,
            parameterGroupName: parameters.name,
            iamDatabaseAuthenticationEnabled: true,
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: key.arn,
            performanceInsightsRetentionPeriod: 7,
            monitoringInterval: 60,
            monitoringRoleArn: monitoringRole.arn,
            enabledCloudwatchLogsExports: RDS_LOG_EXPORTS[spec.engine],
            autoMinorVersionUpgrade: true,
            copyTagsToSnapshot: true,
            maintenanceWindow: windows.maintenanceWindow,
        };
        const primary = new aws.rds.Instance(`${name}-primary`, {
            ...common,
            engine: spec.engine,
            engineVersion: spec.engineVersion,
            allowMajorVersionUpgrade: false,
            allocatedStorage: preset.storageGb,
            dbName: spec.databaseName,
            username: profile.username,
            password: generated?.result,
            manageMasterUserPassword: mode === "secretsManager" ? true : undefined,
            masterUserSecretKmsKeyId: mode === "secretsManager" ? key.arn : undefined,
            multiAz: spec.highAvailability,
            backupRetentionPeriod: spec.backupRetentionDays,
            backupWindow: windows.backupWindow,
            deletionProtection: spec.deletionProtection,
            // Every delete RDS performs leaves a final snapshot, protected stack or not: with protection Pulumi retains the
            // instance instead of deleting it, so the unprotected path is the only one that reaches a delete at all.
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: snapshotId.hex.apply((hex) => finalSnapshotName(pulumi.getStack(), spec.name, hex)),
            engineLifecycleSupport: engineLifecycleSupport(spec.aws?.extendedSupport ?? false),
            // Keep automated backups after a deliberate delete when the stack asked for protection.
            deleteAutomatedBackups: !spec.deletionProtection,
            tags: awsTags(spec.name, "primary"),
        }, statefulOptions(spec, {
            parent: this,
            dependsOn: attachments,
            // Set at creation only: an instance created before this setting keeps its enrolment rather than risk a replace.
            ignoreChanges: ["engineLifecycleSupport"],
        }));
        alerts.alarms(`${name}-primary`, rdsAlarms(primary.identifier, preset), this);

        let password: pulumi.Output<string>;
        if (generated) {
            password = generated.result;
        } else {
            this.masterSecretArn = primary.masterUserSecrets.apply((s) => s[0].secretArn);
            // Read at deploy time: after a rotation the exported URI is stale until the next `pulumi up` (docs/aws.md).
            const secret = aws.secretsmanager.getSecretVersionOutput({ secretId: this.masterSecretArn }, parent);
            password = pulumi.secret(secret.secretString.apply((s) => (JSON.parse(s) as { password: string }).password));
        }

        this.host = primary.address;
        this.port = primary.port;
        this.database = pulumi.output(spec.databaseName);
        this.username = pulumi.output(profile.username);
        this.connectionSecret = connectionUri({
            scheme: profile.scheme, username: profile.username, password, host: this.host, port: this.port, database: spec.databaseName, params: TLS_PARAMS[spec.engine],
        });
        this.clientSecurityGroupId = firewall.clientSecurityGroupId!;
        this.alertTopicArn = alerts.topicArn;

        this.caCert = pulumi.output("");
        if (spec.replicas.kind === "streaming") {
            const replicas = Array.from({ length: spec.replicas.count }, (_, i) => {
                const replica = new aws.rds.Instance(`${name}-replica-${i}`, {
                    ...common,
                    // An ARN, because the replica names its own (same) subnet group.
                    replicateSourceDb: primary.arn,
                    availabilityZone: network.subnetAzs[i % network.subnetAzs.length],
                    // Rebuildable from the primary: no backups, no final snapshot, and scaling `count` down is allowed.
                    backupRetentionPeriod: 0,
                    skipFinalSnapshot: true,
                    deletionProtection: false,
                    tags: awsTags(spec.name, `replica-${i}`),
                }, parent);
                alerts.alarms(`${name}-replica-${i}`, rdsAlarms(replica.identifier, preset, { replica: true }), this);
                return replica;
            });
            const zone = privateZone(name, spec.name, network.vpcId, this);
            const records = weightedRecords(`${name}-ro`, { zoneId: zone.zoneId, recordName: `ro.${zoneName(spec.name)}`, type: "CNAME", targets: replicas.map((r) => r.address) }, this);
            this.readHost = records[0].fqdn;
            this.readPort = replicas[0].port;
            this.replicaAddresses = pulumi.all(replicas.map((r) => r.address));
            this.readConnectionSecret = connectionUri({
                scheme: profile.scheme, username: profile.username, password, host: this.readHost, port: this.readPort, database: spec.databaseName, params: TLS_PARAMS[spec.engine],
            });
        } else if (spec.replicas.kind === "baked") {
            const baked = new AwsBakedReplicas(`${name}-baked`, {
                spec, network, kmsKeyArn: key.arn, masterPassword: password, alerts,
                clientSecurityGroupId: this.clientSecurityGroupId, kubernetesProvider: args.kubernetesProvider,
            }, parent);
            this.readHost = baked.readHost;
            this.readPort = baked.readPort;
            this.replicaAddresses = pulumi.output([]);
            this.readConnectionSecret = baked.readConnectionSecret;
            this.caCert = baked.caCert;
        } else {
            this.readHost = this.host;
            this.readPort = this.port;
            this.replicaAddresses = pulumi.output([]);
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
            replicaAddresses: this.replicaAddresses,
        });
    }
}
