import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { statefulOptions } from "../contract";
import { policyDocument, serviceRole, trustService } from "./iam";
import { awsTags } from "./tags";

const DOW = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
const MACROS: Record<string, string> = {
    "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
};

/**
 * A 5-field cron (UTC, as config takes it) in AWS's 6-field dialect: one of day-of-month/day-of-week
 * must be `?`, and numeric weekdays are 1-7 from Sunday, so they are written as names instead.
 */
export function awsCron(expr: string): string {
    const [min, hour, dom, mon, dow] = (MACROS[expr.trim()] ?? expr.trim()).split(/\s+/);
    const days = dow.replace(/\d+/g, (n) => DOW[Number(n)] ?? n);
    const [d, w] = days === "*" || days === "?" ? [dom, "?"] : [dom === "*" ? "?" : dom, days];
    return `cron(${min} ${hour} ${d} ${mon} ${w} *)`;
}

export interface AwsVmBackupsArgs {
    /** Required. Retention, schedule and `aws.dumpBucket` (default: a bucket created here) of the database. */
    readonly spec: DatabaseSpec;
    /** Required. Encrypts the dumps (bucket default encryption). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Tag value (key `dbplace:snapshot`) of the data volumes to snapshot. */
    readonly snapshotTag: string;
}

/**
 * The two backup paths of a VM database. Snapshots: a DLM policy snapshots every data volume on
 * backup.schedule and keeps them backupRetentionDays. Dumps: the primary uploads a logical dump on the
 * same schedule (the bake input) to an S3 bucket this creates — versioned, KMS-encrypted, private,
 * TLS-only, expiring dumps after the retention — or to the existing `backup.destination`.
 */
export class AwsVmBackups extends pulumi.ComponentResource {
    public readonly bucket: pulumi.Output<string>;
    public readonly prefix: string;
    public readonly bucketArn: pulumi.Output<string>;

    constructor(name: string, args: AwsVmBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:VmBackups", name, {}, opts);
        const { spec } = args;
        const parent = { parent: this };
        const retention = spec.backupRetentionDays;

        const existing = spec.aws?.dumpBucket;
        if (existing) {
            this.bucket = pulumi.output(existing.bucket);
            this.prefix = existing.prefix;
            this.bucketArn = pulumi.interpolate`arn:${aws.getPartitionOutput({}, parent).partition}:s3:::${existing.bucket}`;
        } else {
            // A versioned bucket keeps every noncurrent dump: without forceDestroy an unprotected stack could never be destroyed.
            const bucket = new aws.s3.Bucket(`${name}-dumps`, { forceDestroy: !spec.deletionProtection, tags: awsTags(spec.name, "dumps") }, statefulOptions(spec, parent));
            new aws.s3.BucketPublicAccessBlock(`${name}-dumps`, {
                bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
            }, parent);
            new aws.s3.BucketOwnershipControls(`${name}-dumps`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
            new aws.s3.BucketVersioning(`${name}-dumps`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
            new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-dumps`, {
                bucket: bucket.id,
                // Bucket keys cut KMS requests (and cost) per dump to one per object batch.
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }],
            }, parent);
            new aws.s3.BucketPolicy(`${name}-dumps`, {
                bucket: bucket.id,
                policy: policyDocument([{
                    Sid: "TlsOnly", Effect: "Deny", Principal: "*", Action: "s3:*",
                    Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }]),
            }, parent);
            const keepDays = Math.max(retention, 1);
            new aws.s3.BucketLifecycleConfiguration(`${name}-dumps`, {
                bucket: bucket.id,
                rules: [{
                    id: "retention",
                    status: "Enabled",
                    filter: {},
                    // `latest.*` is overwritten each run, so its older versions expire on the same clock as the dated dumps.
                    expiration: { days: keepDays },
                    noncurrentVersionExpiration: { noncurrentDays: keepDays },
                    abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                }],
            }, parent);
            this.bucket = bucket.bucket;
            this.prefix = "";
            this.bucketArn = bucket.arn;
        }

        if (retention > 0) {
            const { role } = serviceRole(`${name}-dlm`, {
                trust: trustService("dlm.amazonaws.com"),
                description: `dbplace ${spec.name}: snapshot data volumes`,
                managedPolicies: ["service-role/AWSDataLifecycleManagerServiceRole"],
                tags: awsTags(spec.name, "snapshots"),
            }, this);
            new aws.dlm.LifecyclePolicy(`${name}-snapshots`, {
                description: `dbplace ${pulumi.getStack()}/${spec.name} data volumes`,
                executionRoleArn: role.arn,
                state: "ENABLED",
                policyDetails: {
                    resourceTypes: ["VOLUME"],
                    targetTags: { "dbplace:snapshot": args.snapshotTag },
                    schedules: [{
                        name: "backup-schedule",
                        createRule: { cronExpression: awsCron(spec.backup.schedule) },
                        retainRule: { interval: retention, intervalUnit: "DAYS" },
                        copyTags: true,
                        tagsToAdd: { "dbplace:backup": "scheduled" },
                    }],
                },
                tags: awsTags(spec.name, "snapshots"),
            }, parent);
        }
        this.registerOutputs({ bucket: this.bucket, bucketArn: this.bucketArn });
    }
}
