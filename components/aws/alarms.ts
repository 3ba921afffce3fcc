import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { InstancePreset } from "../config/presets";
import { memoryGib } from "./lookups";

/** One CloudWatch alarm, as data: the placements list what to watch, AwsAlerts creates them. */
export interface AlarmSpec {
    readonly suffix: string;
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, pulumi.Input<string>>;
    readonly statistic: "Average" | "Maximum" | "Minimum" | "Sum";
    readonly comparison: "GreaterThanThreshold" | "GreaterThanOrEqualToThreshold" | "LessThanThreshold";
    readonly threshold: number;
    readonly periodSeconds: number;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm?: number;
    /** `breaching` where silence itself means trouble (an agent or replica that stopped reporting). */
    readonly missing?: "missing" | "breaching" | "notBreaching" | "ignore";
    readonly description: string;
}

const GIB = 1024 ** 3;
export const CPU_PERCENT = 80;
export const CONNECTIONS_FRACTION = 0.8;
export const REPLICA_LAG_SECONDS = 300;
export const DISK_USED_PERCENT = 80;

/** RDS primary (and, with `replica`, read replica) alarms. */
export function rdsAlarms(identifier: pulumi.Input<string>, preset: InstancePreset, opts: { replica?: boolean } = {}): AlarmSpec[] {
    const dims = { DBInstanceIdentifier: identifier };
    const rds = { namespace: "AWS/RDS", dimensions: dims, periodSeconds: 300 };
    const memory = memoryGib(preset.instanceType);
    const alarms: AlarmSpec[] = [
        { ...rds, suffix: "cpu", metricName: "CPUUtilization", statistic: "Average", comparison: "GreaterThanThreshold", threshold: CPU_PERCENT, evaluationPeriods: 3, description: `CPU above ${CPU_PERCENT}% for 15 minutes` },
        {
            // Storage autoscaling grows the volume at 10% free of the *current* size; this fires only when it has not (max reached, or growth outran its cooldown).
            ...rds, suffix: "free-storage", metricName: "FreeStorageSpace", statistic: "Minimum", comparison: "LessThanThreshold",
            threshold: Math.max(1, Math.round(preset.storageGb * 0.1)) * GIB, evaluationPeriods: 2,
            description: `free storage below 10% of the initial ${preset.storageGb} GiB although autoscaling (up to ${preset.maxStorageGb} GiB) should have grown it`,
        },
        {
            ...rds, suffix: "connections", metricName: "DatabaseConnections", statistic: "Maximum", comparison: "GreaterThanThreshold",
            threshold: Math.floor(preset.maxConnections * CONNECTIONS_FRACTION), evaluationPeriods: 3,
            description: `connections above ${CONNECTIONS_FRACTION * 100}% of max_connections (${preset.maxConnections})`,
        },
    ];
    if (memory !== undefined) {
        alarms.push({ ...rds, suffix: "freeable-memory", metricName: "FreeableMemory", statistic: "Average", comparison: "LessThanThreshold", threshold: memory * GIB * 0.1, evaluationPeriods: 3, description: `freeable memory below 10% of ${memory} GiB` });
    }
    if (opts.replica) {
        alarms.push({ ...rds, periodSeconds: 60, suffix: "replica-lag", metricName: "ReplicaLag", statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: REPLICA_LAG_SECONDS, evaluationPeriods: 5, description: `replica more than ${REPLICA_LAG_SECONDS} s behind its source for 5 minutes` });
    }
    return alarms;
}

/** Process name the CloudWatch agent's procstat watches on a database VM. */
export const ENGINE_PROCESS: Record<Engine, string> = { postgres: "postgres", mysql: "mysqld" };
/** Where VMs mount their data volume; the disk alarm's `path` dimension. */
export const DATA_MOUNT = "/srv/dbplace";

/** EC2 database VM alarms: hardware/OS, CPU, and — via the CloudWatch agent — data disk, memory and the engine process. */
export function ec2Alarms(instanceId: pulumi.Input<string>, engine: Engine): AlarmSpec[] {
    const ec2 = { namespace: "AWS/EC2", dimensions: { InstanceId: instanceId } };
    const agent = { namespace: "CWAgent", periodSeconds: 60 };
    return [
        { ...ec2, suffix: "status-check", metricName: "StatusCheckFailed", statistic: "Maximum", comparison: "GreaterThanOrEqualToThreshold", threshold: 1, periodSeconds: 60, evaluationPeriods: 2, description: "instance or system status check failing" },
        { ...ec2, suffix: "cpu", metricName: "CPUUtilization", statistic: "Average", comparison: "GreaterThanThreshold", threshold: CPU_PERCENT, periodSeconds: 300, evaluationPeriods: 3, description: `CPU above ${CPU_PERCENT}% for 15 minutes` },
        {
            ...agent, suffix: "data-disk", metricName: "disk_used_percent", dimensions: { InstanceId: instanceId, path: DATA_MOUNT, fstype: "ext4" },
            statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: DISK_USED_PERCENT, evaluationPeriods: 5, missing: "breaching",
            description: `data volume more than ${DISK_USED_PERCENT}% full (grow it: docs/aws.md); no data means the CloudWatch agent stopped`,
        },
        { ...agent, suffix: "memory", metricName: "mem_used_percent", dimensions: { InstanceId: instanceId }, statistic: "Average", comparison: "GreaterThanThreshold", threshold: 90, evaluationPeriods: 10, description: "memory above 90% for 10 minutes" },
        {
            ...agent, suffix: "engine", metricName: "procstat_lookup_pid_count", dimensions: { InstanceId: instanceId, exe: ENGINE_PROCESS[engine], pid_finder: "native" },
            statistic: "Minimum", comparison: "LessThanThreshold", threshold: 1, evaluationPeriods: 3, missing: "breaching",
            description: `${engine} is not running (or the agent stopped reporting)`,
        },
    ];
}

/** Namespace and metric the baked-replica instances publish the age of the data they serve under. */
export const STALENESS_METRIC = { namespace: "dbplace", metricName: "BakedReplicaAgeSeconds" } as const;

/** Baked replicas on an Auto Scaling group behind an NLB: target health and data age. */
export function bakedAlarms(args: {
    targetGroup: pulumi.Input<string>;
    loadBalancer: pulumi.Input<string>;
    count: number;
    stack: string;
    database: string;
    maxStalenessMinutes: number;
}): AlarmSpec[] {
    const nlb = { namespace: "AWS/NetworkELB", dimensions: { TargetGroup: args.targetGroup, LoadBalancer: args.loadBalancer }, periodSeconds: 60 };
    return [
        { ...nlb, suffix: "unhealthy", metricName: "UnHealthyHostCount", statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: 0, evaluationPeriods: 3, description: "a baked replica fails its health check" },
        { ...nlb, suffix: "healthy-below-count", metricName: "HealthyHostCount", statistic: "Minimum", comparison: "LessThanThreshold", threshold: args.count, evaluationPeriods: 5, missing: "breaching", description: `fewer than ${args.count} healthy baked replicas for 5 minutes` },
        {
            ...STALENESS_METRIC, suffix: "stale", dimensions: { Stack: args.stack, Database: args.database }, periodSeconds: 300,
            statistic: "Maximum", comparison: "GreaterThanThreshold", threshold: args.maxStalenessMinutes * 60, evaluationPeriods: 1, missing: "breaching",
            description: `baked replicas serve data older than ${args.maxStalenessMinutes} minutes (re-bake overdue), or stopped reporting its age`,
        },
    ];
}
