import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { gcpOf, labelValue } from "./naming";
import { formerTypeAliases } from "../renames";
import { gcpLabelKey, LABELS } from "../labels";

/** Metric that baked-replica VMs write (seconds since the dump their image holds; see baked-vm-init.ts). */
export const BAKED_AGE_METRIC = "custom.googleapis.com/dbplace/baked_replica_age_seconds";
/** Without `replicas.maxStalenessMinutes`: a daily dump plus two hours to bake and roll. */
export const DEFAULT_MAX_STALENESS_MINUTES = 26 * 60;

export interface GcpMonitoringArgs {
    /** Resolved spec: names the policies, sets thresholds (preset connections, maxStalenessMinutes) and the email channel. */
    readonly spec: DatabaseSpec;
    /** Cloud SQL: `project:instance` ids of the primary and of its read replicas. Default: not Cloud SQL. */
    readonly cloudSql?: { readonly primary: pulumi.Input<string>; readonly replicas: pulumi.Input<string>[] };
    /** Compute Engine database VMs, found by their labels; `standbys` adds the replication-lag policy. Default: not VMs. */
    readonly vm?: { readonly standbys: boolean };
    /** Baked replicas run on VMs that report their data age. Default false. */
    readonly bakedVms?: boolean;
}

interface Policy {
    readonly key: string;
    readonly title: string;
    readonly conditions: gcp.types.input.monitoring.AlertPolicyCondition[];
    readonly why: string;
}

/**
 * Cloud Monitoring for one database: an email channel when `alertEmail` is set and one alert policy
 * per failure mode, named `dbplace <stack>/<db>: <kind>` so the console groups a stack's alerts.
 * Cloud SQL metrics come from the service itself, VM metrics from the Ops Agent (host and engine
 * receivers), baked-replica staleness from the replica VMs.
 */
export class GcpMonitoring extends pulumi.ComponentResource {
    public readonly policies: gcp.monitoring.AlertPolicy[];
    public readonly notificationChannel?: gcp.monitoring.NotificationChannel;

    constructor(name: string, args: GcpMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:gcp:Monitoring", name, {}, formerTypeAliases("dbplace:gcp:Monitoring", opts));
        const { spec } = args;
        const project = gcpOf(spec).project;
        const parent = { parent: this };

        if (spec.alertEmail !== undefined) {
            this.notificationChannel = new gcp.monitoring.NotificationChannel(`${name}-email`, {
                project,
                type: "email",
                displayName: `dbplace ${pulumi.getStack()}/${spec.name} on-call`,
                labels: { email_address: spec.alertEmail },
            }, parent);
        }
        // Alert policies on a custom metric need its descriptor to exist before the first replica writes a point.
        const descriptor = args.bakedVms
            ? new gcp.monitoring.MetricDescriptor(`${name}-baked-age`, {
                project,
                type: BAKED_AGE_METRIC,
                metricKind: "GAUGE",
                valueType: "INT64",
                unit: "s",
                displayName: "dbplace baked replica data age",
                description: "Seconds since the dump a baked read replica serves was taken.",
                labels: [{ key: "database", valueType: "STRING" }, { key: "stack", valueType: "STRING" }],
            }, parent)
            : undefined;
        const policies: Policy[] = [
            ...(args.cloudSql ? cloudSqlPolicies(spec, args.cloudSql) : []),
            ...(args.vm ? vmPolicies(spec, args.vm.standbys) : []),
            ...(args.bakedVms ? [stalenessPolicy(spec)] : []),
        ];
        this.policies = policies.map((p) =>
            new gcp.monitoring.AlertPolicy(`${name}-${p.key}`, {
                project,
                displayName: `dbplace ${pulumi.getStack()}/${spec.name}: ${p.title}`,
                combiner: "OR",
                conditions: p.conditions,
                severity: p.key === "uptime" || p.key === "staleness" ? "CRITICAL" : "WARNING",
                documentation: { mimeType: "text/markdown", content: p.why },
                notificationChannels: this.notificationChannel ? [this.notificationChannel.id] : [],
                alertStrategy: { autoClose: "1800s" },
                userLabels: { [gcpLabelKey(LABELS.database)]: labelValue(spec.name) },
            }, { ...parent, dependsOn: p.key === "staleness" && descriptor ? [descriptor] : [] }),
        );
        this.registerOutputs({ policies: this.policies.map((p) => p.name) });
    }
}

/** `sumBy`: add the series up per that label first (per-database or per-state series of one instance). */
function threshold(title: string, filter: pulumi.Input<string>, value: number, aligner = "ALIGN_MEAN", sumBy?: string): gcp.types.input.monitoring.AlertPolicyCondition {
    return {
        displayName: title,
        conditionThreshold: {
            filter,
            comparison: "COMPARISON_GT",
            thresholdValue: value,
            duration: "300s",
            aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: aligner, ...(sumBy ? { crossSeriesReducer: "REDUCE_SUM", groupByFields: [sumBy] } : {}) }],
        },
    };
}

function absent(title: string, filter: pulumi.Input<string>, duration: string): gcp.types.input.monitoring.AlertPolicyCondition {
    return {
        displayName: title,
        conditionAbsent: { filter, duration, aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: "ALIGN_MEAN" }] },
    };
}

function cloudSqlPolicies(spec: DatabaseSpec, ids: NonNullable<GcpMonitoringArgs["cloudSql"]>): Policy[] {
    const on = (metric: string, instances: pulumi.Input<string>[]) =>
        pulumi.interpolate`resource.type = "cloudsql_database" AND metric.type = "cloudsql.googleapis.com/database/${metric}" AND resource.label.database_id = one_of(${pulumi.all(instances).apply((i) => i.map((x) => JSON.stringify(x)).join(", "))})`;
    const all = [ids.primary, ...ids.replicas];
    const max = spec.preset.maxConnections;
    const connections = spec.engine === "postgres" ? "postgresql/num_backends" : "network/connections";
    const policies: Policy[] = [
        { key: "cpu", title: "CPU", conditions: [threshold("CPU above 80% for 5 min", on("cpu/utilization", all), 0.8)], why: "Sustained CPU: look at Query Insights for the top queries before resizing (gcp.tier or size)." },
        { key: "disk", title: "disk", conditions: [threshold("Disk above 85% for 5 min", on("disk/utilization", all), 0.85)], why: "Storage auto-grows up to the preset's limit; near it, raise size or clean up." },
        { key: "memory", title: "memory", conditions: [threshold("Memory above 90% for 5 min", on("memory/utilization", all), 0.9)], why: "Memory pressure precedes OOM restarts; check connections and work_mem-heavy queries." },
        // num_backends is reported per database: sum per instance before comparing with max_connections.
        { key: "connections", title: "connections", conditions: [threshold(`Connections above 80% of ${max}`, on(connections, all), Math.floor(max * 0.8), "ALIGN_MAX", "resource.label.database_id")], why: `max_connections is ${max}; add a pooler or raise size before clients get refused.` },
    ];
    if (ids.replicas.length > 0) {
        policies.push({ key: "replication-lag", title: "replication lag", conditions: [threshold("Replica lag above 60 s", on("replication/replica_lag", ids.replicas), 60, "ALIGN_MAX")], why: "Read replicas serve stale data; check the primary's write load and the replicas' CPU." });
    }
    return policies;
}

/**
 * The data disk is the VM's second disk, attached whole (no partition): sdb on SCSI, nvme0n2 on NVMe
 * machine types. The boot disk's partitions (sda1, sda15, nvme0n1p1) must not raise the data alert.
 */
export const DATA_DISK_DEVICE = `metric.label.device = monitoring.regex.full_match("sd[b-z]|nvme0n[2-9]")`;

function vmPolicies(spec: DatabaseSpec, standbys: boolean): Policy[] {
    const label = (key: string) => `metadata.user_labels."${gcpLabelKey(key)}"`;
    const vms = `${label(LABELS.database)} = "${labelValue(spec.name)}" AND ${label(LABELS.stack)} = "${labelValue(pulumi.getStack())}" AND ${label(LABELS.role)} = one_of("primary", "standby")`;
    const metric = (type: string, extra = "") => `resource.type = "gce_instance" AND metric.type = "${type}" AND ${vms}${extra}`;
    const max = spec.preset.maxConnections;
    const policies: Policy[] = [
        { key: "uptime", title: "uptime", conditions: [absent("Instance stopped reporting for 5 min", metric("compute.googleapis.com/instance/uptime"), "300s")], why: "A database VM is down or unreachable; check the serial console and the data disk." },
        { key: "cpu", title: "CPU", conditions: [threshold("CPU above 80% for 5 min", metric("compute.googleapis.com/instance/cpu/utilization"), 0.8)], why: "Sustained CPU on a database VM; raise gcp.machineType or size." },
        { key: "disk", title: "disk", conditions: [threshold("Disk above 85% used", metric("agent.googleapis.com/disk/percent_used", ` AND metric.label.state = "used" AND ${DATA_DISK_DEVICE}`), 85)], why: "The data disk is filling up: resize the PD (online) before the engine stops accepting writes." },
        { key: "memory", title: "memory", conditions: [threshold("Memory above 90% used", metric("agent.googleapis.com/memory/percent_used", ` AND metric.label.state = "used"`), 90)], why: "Memory pressure on a database VM precedes the OOM killer." },
        spec.engine === "postgres"
            ? { key: "connections", title: "connections", conditions: [threshold(`Backends above 80% of ${max}`, metric("workload.googleapis.com/postgresql.backends"), Math.floor(max * 0.8), "ALIGN_MAX", "resource.label.instance_id")], why: `max_connections is ${max}.` }
            : { key: "connections", title: "connections", conditions: [threshold(`Connected threads above 80% of ${max}`, metric("workload.googleapis.com/mysql.threads", ` AND metric.label.kind = "connected"`), Math.floor(max * 0.8), "ALIGN_MAX")], why: `max_connections is ${max}.` },
    ];
    if (standbys) {
        policies.push(spec.engine === "postgres"
            ? { key: "replication-lag", title: "replication lag", conditions: [threshold("Standby more than 64 MiB behind", metric("workload.googleapis.com/postgresql.replication.data_delay"), 64 * 1024 * 1024, "ALIGN_MAX")], why: "A standby is falling behind the primary's WAL." }
            : { key: "replication-lag", title: "replication lag", conditions: [threshold("Replica more than 60 s behind", metric("workload.googleapis.com/mysql.replica.time_behind_source"), 60, "ALIGN_MAX")], why: "A replica is falling behind the source." });
    }
    return policies;
}

function stalenessPolicy(spec: DatabaseSpec): Policy {
    const minutes = spec.replicas.maxStalenessMinutes ?? DEFAULT_MAX_STALENESS_MINUTES;
    const filter = `resource.type = "gce_instance" AND metric.type = "${BAKED_AGE_METRIC}" AND metric.label.database = "${spec.name}" AND metric.label.stack = "${labelValue(pulumi.getStack())}"`;
    return {
        key: "staleness",
        title: "baked replica staleness",
        conditions: [
            threshold(`Baked data older than ${minutes} min`, filter, minutes * 60, "ALIGN_MAX"),
            // No reports at all means no replica is serving (or none can read its own metadata): as bad as stale.
            absent("Baked replicas stopped reporting their data age", filter, "900s"),
        ],
        why: `Baked replicas serve the dump their image holds. Older than ${minutes} min means re-bakes stopped: check the dump schedule and the re-bake job, then roll a new image.`,
    };
}
