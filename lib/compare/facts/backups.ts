import { DatabaseSpec } from "../../../components/config";
import { DECLARED } from "../../../components/declarations";
import { PlannedResource } from "../model";
import { asArray, get } from "../resources";

/**
 * Backups and point-in-time recovery as the registered resources configure them: RDS automated
 * backups, Cloud SQL backups, EBS/PD snapshot schedules, dump buckets and dump CronJobs. Nothing here
 * falls back to the stack's `backup` config except where the program registers nothing to read (a
 * dump bucket that already exists), and then the text says so.
 */
export interface BackupFacts {
    backups: string;
    pitr: string;
}

type Reader = (resources: readonly PlannedResource[], spec: DatabaseSpec) => BackupFacts | undefined;

const days = (n: number): string => (n === 1 ? "1 day" : `${n} days`);
const of = (resources: readonly PlannedResource[], type: string) => resources.filter((r) => r.type === type);

/** RDS primary (a read replica has replicateSourceDb and keeps no backups of its own). */
const rds: Reader = (resources) => {
    const primary = of(resources, "aws:rds/instance:Instance").find((r) => r.inputs.replicateSourceDb === undefined);
    if (!primary) return undefined;
    const keep = Number(primary.inputs.backupRetentionPeriod ?? 0);
    if (keep <= 0) return { backups: "none (RDS backupRetentionPeriod 0)", pitr: "no" };
    const window = typeof primary.inputs.backupWindow === "string" ? ` ${primary.inputs.backupWindow} UTC` : "";
    return { backups: `RDS automated, daily${window}, kept ${days(keep)}`, pitr: `yes, RDS, last ${days(keep)}` };
};

const cloudSql: Reader = (resources) => {
    const primary = of(resources, "gcp:sql/databaseInstance:DatabaseInstance").find((r) => r.inputs.masterInstanceName === undefined);
    if (!primary) return undefined;
    const b = (get(primary.inputs, "settings.backupConfiguration") ?? {}) as Record<string, unknown>;
    if (b.enabled !== true) return { backups: "none (Cloud SQL backups off)", pitr: "no" };
    const kept = get(b, "backupRetentionSettings.retainedBackups");
    const at = typeof b.startTime === "string" ? ` ${b.startTime} UTC` : "";
    const logs = Number(b.transactionLogRetentionDays ?? 7);
    const pitr = b.pointInTimeRecoveryEnabled === true || b.binaryLogEnabled === true ? `yes, Cloud SQL, last ${days(logs)}` : "no";
    return { backups: `Cloud SQL automated, daily${at}, kept ${kept ?? 7} backups`, pitr };
};

/** EC2 data volumes: a DLM snapshot policy; dumps in the S3 bucket whose lifecycle expires them. */
const awsVm: Reader = (resources, spec) => {
    const dlm = of(resources, "aws:dlm/lifecyclePolicy:LifecyclePolicy")[0];
    if (!dlm && !resources.some((r) => r.type === "aws:ec2/instance:Instance")) return undefined;
    const parts: string[] = [];
    const schedule = asArray(get(dlm?.inputs, "policyDetails.schedules"))[0] as Record<string, unknown> | undefined;
    if (schedule) {
        const cron = String(get(schedule, "createRule.cronExpression") ?? "").replace(/^cron\((.*)\)$/, "$1");
        const keep = get(schedule, "retainRule.interval");
        parts.push(`EBS snapshots cron ${cron}, kept ${keep} ${String(get(schedule, "retainRule.intervalUnit") ?? "").toLowerCase()}`);
    }
    parts.push(dumpTarget(resources, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "S3", spec));
    return { backups: parts.join(" + "), pitr: "no (snapshots and dumps only)" };
};

/** GCE data disks: a snapshot resource policy; dumps in a GCS bucket with a delete-after rule. */
const gcpVm: Reader = (resources, spec) => {
    const policy = of(resources, "gcp:compute/resourcePolicy:ResourcePolicy").find((r) => get(r.inputs, "snapshotSchedulePolicy") !== undefined);
    if (!policy && !resources.some((r) => r.type === "gcp:compute/instance:Instance")) return undefined;
    const parts: string[] = [];
    if (policy) {
        const at = get(policy.inputs, "snapshotSchedulePolicy.schedule.dailySchedule.startTime");
        const keep = Number(get(policy.inputs, "snapshotSchedulePolicy.retentionPolicy.maxRetentionDays") ?? 0);
        parts.push(`PD snapshots daily ${String(at ?? "")} UTC, kept ${days(keep)}`);
    }
    parts.push(dumpTarget(resources, "gcp:storage/bucket:Bucket", "GCS", spec));
    return { backups: parts.join(" + "), pitr: "no (snapshots and dumps only)" };
};

/** Kubernetes: the dump CronJob, to its claim or, with an upload container, to an object store. */
const cronJob: Reader = (resources) => {
    const job = of(resources, "kubernetes:batch/v1:CronJob").find((r) => /dump/.test(r.name));
    if (!job) return undefined;
    const containers = asArray(get(job.inputs, "spec.jobTemplate.spec.template.spec.containers")) as Record<string, unknown>[];
    const upload = containers.find((c) => c.name === "upload");
    const script = upload ? String(asArray(upload.command).slice(-1)[0] ?? "") : "";
    const remote = /"dest:([^"]+)"/.exec(script)?.[1];
    const scheme = asArray(upload?.env).some((e) => (e as Record<string, unknown>).value === "s3") ? "s3" : "gs";
    const where = upload && remote ? `${scheme}://${remote}` : "its PVC";
    const keep = (get(job.inputs, "metadata.annotations") as Record<string, string> | undefined)?.[DECLARED.backupRetention];
    return { backups: `dump cron ${String(get(job.inputs, "spec.schedule"))} → ${where}${keep !== undefined ? `, kept ${days(Number(keep))}` : ""}`, pitr: "no (scheduled dumps only)" };
};

function dumpTarget(resources: readonly PlannedResource[], type: string, store: string, spec: DatabaseSpec): string {
    const bucket = of(resources, type)[0];
    if (!bucket) return `dumps → ${spec.backup.destination} (existing bucket, from config)`;
    const expire = type.startsWith("aws:")
        ? get(asArray(bucket.inputs.rules)[0], "expiration.days")
        : get((asArray(bucket.inputs.lifecycleRules) as Record<string, unknown>[]).find((r) => get(r, "action.type") === "Delete"), "condition.age");
    return `dumps → ${store} bucket${expire !== undefined ? `, kept ${days(Number(expire))}` : ""}`;
}

/** One reader per placement; the first that finds its resources answers. */
const READERS: Record<DatabaseSpec["placement"], Reader[]> = {
    managed: [rds, cloudSql],
    vm: [awsVm, gcpVm],
    cluster: [cronJob],
    docker: [],
};

export function backupsOf(resources: readonly PlannedResource[], spec: DatabaseSpec): BackupFacts {
    for (const read of READERS[spec.placement]) {
        const found = read(resources, spec);
        if (found) return found;
    }
    // Docker registers no backup job: dumps are taken on demand (`npm run bake -- --from-master`).
    return spec.placement === "docker"
        ? { backups: "none scheduled (dump on demand: npm run bake -- --from-master)", pitr: "no" }
        : { backups: "none registered", pitr: "no" };
}
