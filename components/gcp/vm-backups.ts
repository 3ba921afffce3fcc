import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { statefulOptions } from "../contract";
import { cronHour, gcpLabels, gcpOf } from "./naming";

/**
 * The VM placement's two backup paths: PD snapshots of the data disk on a schedule (fast, crash-
 * consistent restores) and logical dumps in Cloud Storage (portable, and the input of baked replicas).
 */
export function snapshotSchedule(name: string, spec: DatabaseSpec, parent: pulumi.Resource): gcp.compute.ResourcePolicy {
    const { project, region } = gcpOf(spec);
    return new gcp.compute.ResourcePolicy(`${name}`, {
        project,
        region,
        description: `dbplace ${spec.name}: daily data-disk snapshots, ${spec.backupRetentionDays} days`,
        snapshotSchedulePolicy: {
            schedule: { dailySchedule: { daysInCycle: 1, startTime: `${String(cronHour(spec.backup.schedule)).padStart(2, "0")}:00` } },
            retentionPolicy: {
                maxRetentionDays: spec.backupRetentionDays,
                // Snapshots must outlive the disk: they are the way back after a deletion.
                onSourceDiskDelete: "KEEP_AUTO_SNAPSHOTS",
            },
            snapshotProperties: { labels: gcpLabels(spec, "snapshot"), storageLocations: region, guestFlush: false },
        },
    }, { parent });
}

export interface DumpStorage {
    /** `gs://bucket/prefix` the dump job writes under (one object per run). */
    readonly target: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    /** Only when the stack created it. */
    readonly bucket?: gcp.storage.Bucket;
}

/**
 * Where dumps go: `backup.destination: gs://bucket/prefix` reuses a bucket, the default creates one:
 * private (uniform bucket-level access, public access prevention enforced), versioned, dumps expire
 * after the retention. `writer` may create objects, not read, overwrite or delete them.
 */
export function dumpStorage(name: string, args: { spec: DatabaseSpec; writer: pulumi.Input<string>; parent: pulumi.Resource }): DumpStorage {
    const { spec } = args;
    const { project, region } = gcpOf(spec);
    const parent = { parent: args.parent };
    const destination = spec.backup.destination;
    let bucketName: pulumi.Output<string>;
    let prefix = "dumps";
    let bucket: gcp.storage.Bucket | undefined;
    if (destination.startsWith("gs://")) {
        const [, , name_, ...rest] = destination.split("/");
        bucketName = pulumi.output(name_);
        prefix = rest.filter(Boolean).join("/") || "dumps";
    } else {
        bucket = new gcp.storage.Bucket(`${name}`, {
            project,
            location: region,
            storageClass: "STANDARD",
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            versioning: { enabled: true },
            lifecycleRules: [
                { action: { type: "Delete" }, condition: { age: spec.backupRetentionDays, withState: "LIVE" } },
                // Versioning keeps what is deleted or replaced for the same retention, then lets it go.
                { action: { type: "Delete" }, condition: { daysSinceNoncurrentTime: spec.backupRetentionDays, withState: "ARCHIVED" } },
            ],
            labels: gcpLabels(spec, "dumps"),
            forceDestroy: !spec.deletionProtection,
        }, statefulOptions(spec, parent));
        bucketName = bucket.name;
    }
    new gcp.storage.BucketIAMMember(`${name}-writer`, {
        bucket: bucketName,
        role: "roles/storage.objectCreator",
        member: pulumi.interpolate`serviceAccount:${args.writer}`,
    }, parent);
    return { target: pulumi.interpolate`gs://${bucketName}/${prefix}`, bucketName, bucket };
}
