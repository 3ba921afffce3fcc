import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { containerPreset } from "./pod";
import { Engine } from "../config/schema";
import { DatabaseSpec } from "../config/validate";
import { Component, meta, objectNames } from "./labels";
import { K8S_LABELS } from "../labels";

/** A standby this far behind its primary (or not streaming at all) pages someone. */
export const REPLICATION_LAG_ALERT_SECONDS = 60;
/** BakedReplicaStale threshold when replicas.maxStalenessMinutes is unset: a day-old copy is wrong for anyone. */
export const DEFAULT_MAX_STALENESS_MINUTES = 1440;
const CONNECTIONS_ALERT_RATIO = 0.8;
const DISK_FREE_ALERT_RATIO = 0.15;

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly severity: "critical" | "warning";
    readonly summary: string;
}

/** Engine-specific metric names of the community exporters. */
const METRICS: Record<Engine, { up: string; connections: string }> = {
    postgres: { up: "pg_up", connections: "pg_stat_activity_count" },
    mysql: { up: "mysql_up", connections: "mysql_global_status_threads_connected" },
};

const sel = (namespace: string, podPattern: string) => `{namespace="${namespace}", pod=~"${podPattern}"}`;

/** Alerts of the database's own pods: availability, connections vs the preset's max_connections, disk, replication. */
export function databaseAlerts(spec: DatabaseSpec, ns: string, o: { statefulSet: string; standbySet?: string; replicated: boolean }): AlertRule[] {
    const m = METRICS[spec.engine];
    const server = sel(ns, `${o.statefulSet}-[0-9]+`);
    const maxConnections = containerPreset(spec).maxConnections;
    const pvcs = [`data-${o.statefulSet}-[0-9]+`, objectNames(spec).dumps, ...(o.standbySet ? [`data-${o.standbySet}-[0-9]+`] : [])].join("|");
    const volumes = `{namespace="${ns}", persistentvolumeclaim=~"${pvcs}"}`;
    const rules: AlertRule[] = [
        {
            alert: "DatabaseDown",
            expr: `(max by (pod) (${m.up}${server}) == 0) or absent(${m.up}${server})`,
            for: "1m",
            severity: "critical",
            summary: `${spec.engine} ${spec.name} in ${ns} does not answer its exporter.`,
        },
        {
            alert: "ConnectionsNearMax",
            expr: `sum by (pod) (${m.connections}${server}) > ${Math.floor(maxConnections * CONNECTIONS_ALERT_RATIO)}`,
            for: "5m",
            severity: "warning",
            summary: `${spec.name} uses more than ${CONNECTIONS_ALERT_RATIO * 100}% of its ${maxConnections} connections (size ${spec.size}).`,
        },
        {
            alert: "DiskNearFull",
            expr: `kubelet_volume_stats_available_bytes${volumes} / kubelet_volume_stats_capacity_bytes${volumes} < ${DISK_FREE_ALERT_RATIO}`,
            for: "10m",
            severity: "warning",
            summary: `A volume of ${spec.name} has less than ${DISK_FREE_ALERT_RATIO * 100}% free space.`,
        },
    ];
    if (o.replicated) {
        const standbys = sel(ns, [o.statefulSet, o.standbySet].filter(Boolean).map((s) => `${s}-[0-9]+`).join("|"));
        // A streaming standby whose server is down exports neither lag nor is_streaming, only its exporter's
        // up gauge at 0, and DatabaseDown watches the primary's StatefulSet only: without this it would go unnoticed.
        const standbyDown = o.standbySet ? ` or (max by (pod) (${m.up}${sel(ns, `${o.standbySet}-[0-9]+`)}) == 0)` : "";
        rules.push({
            alert: "ReplicationLag",
            expr: `(max by (pod) (dbplace_replication_lag_seconds${standbys}) > ${REPLICATION_LAG_ALERT_SECONDS}) or (max by (pod) (dbplace_replication_is_replica${standbys}) == 1 and max by (pod) (dbplace_replication_is_streaming${standbys}) == 0)${standbyDown}`,
            for: "5m",
            severity: "warning",
            summary: `A standby of ${spec.name} is more than ${REPLICATION_LAG_ALERT_SECONDS}s behind its primary, not streaming, or down.`,
        });
    }
    return rules;
}

/** Staleness of baked replicas: the age of the dump they serve, exported by their own exporter. */
export function bakedAlerts(spec: DatabaseSpec, ns: string, deployment: string): AlertRule[] {
    const minutes = spec.replicas.maxStalenessMinutes ?? DEFAULT_MAX_STALENESS_MINUTES;
    return [{
        alert: "BakedReplicaStale",
        expr: `max(dbplace_baked_data_age_seconds${sel(ns, `${deployment}-[a-z0-9]+-[a-z0-9]+`)}) > ${minutes * 60}`,
        for: "5m",
        severity: "warning",
        summary: `Baked replicas of ${spec.name} serve data older than ${minutes} minutes; check the dump CronJob and the bake loop.`,
    }, ...(spec.replicas.source === "loop" ? [bakeLoopAlert(spec, ns)] : [])];
}

/**
 * The in-cluster loop's last scheduled run has not succeeded for 15 minutes (a failed dump, bake, push or roll;
 * the replicas keep their image and the next run retries). kube-state-metrics' CronJob gauges
 * (kube_cronjob_status_last_schedule_time / _last_successful_time, in kube-prometheus-stack).
 */
function bakeLoopAlert(spec: DatabaseSpec, ns: string): AlertRule {
    const cronJob = `{namespace="${ns}", cronjob="${objectNames(spec).rebake}"}`;
    return {
        alert: "BakeLoopFailing",
        expr: `max(kube_cronjob_status_last_schedule_time${cronJob}) - max(kube_cronjob_status_last_successful_time${cronJob} or vector(0)) > 0`,
        for: "15m",
        severity: "warning",
        summary: `The re-bake loop of ${spec.name} has not succeeded since its last scheduled run; replicas still serve the previous bake (kubectl -n ${ns} logs -l app.kubernetes.io/component=bake,app.kubernetes.io/instance=${spec.name} -c bake).`,
    };
}

export interface MonitoringArgs {
    readonly spec: DatabaseSpec;
    readonly namespace: pulumi.Input<string>;
    /** Kubernetes name of the ServiceMonitor and PrometheusRule. */
    readonly objectName: string;
    readonly component: Component;
    /** Services whose `metrics` port Prometheus scrapes, by component label. */
    readonly scrape: Component[];
    /** The alerts, given the namespace's name (metric selectors must not match another namespace's pods). */
    readonly alerts: (namespace: string) => AlertRule[];
}

/** ServiceMonitor + PrometheusRule (Prometheus Operator CRDs): created only when the stack says the CRDs exist. */
export function monitoring(name: string, a: MonitoringArgs, opts: pulumi.CustomResourceOptions): k8s.apiextensions.CustomResource[] {
    const labels = {
        dbplace_database: a.spec.name,
        ...(a.spec.alertEmail ? { alert_email: a.spec.alertEmail } : {}),
    };
    // A Prometheus loads only the ServiceMonitors and rules its selectors match (kube-prometheus-stack:
    // `release: <its release>`); the program's own labels go last so a selector label cannot replace them.
    const own = meta(a.spec, a.namespace, a.objectName, a.component);
    const metadata = { ...own, labels: { ...a.spec.cluster.prometheusSelectorLabels, ...own.labels } };
    const serviceMonitor = new k8s.apiextensions.CustomResource(`${name}-servicemonitor`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "ServiceMonitor",
        metadata,
        spec: {
            selector: {
                matchLabels: { [K8S_LABELS.partOf]: "dbplace", [K8S_LABELS.instance]: a.spec.name },
                matchExpressions: [{ key: K8S_LABELS.component, operator: "In", values: a.scrape }],
            },
            endpoints: [{ port: "metrics", interval: "30s", path: "/metrics" }],
        },
    }, opts);
    const rule = new k8s.apiextensions.CustomResource(`${name}-alerts`, {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata,
        spec: {
            groups: [{
                name: `dbplace-${a.objectName}`,
                rules: pulumi.output(a.namespace).apply((ns) => a.alerts(ns).map((r) => ({
                    alert: r.alert,
                    expr: r.expr,
                    for: r.for,
                    labels: { severity: r.severity, ...labels },
                    annotations: { summary: r.summary },
                }))),
            }],
        },
    }, opts);
    return [serviceMonitor, rule];
}
