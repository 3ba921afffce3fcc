// Synthetic Prometheus series for a stack, built from what the exporters really expose: every pod the
// program deploys gets its exporter's series (label sets scraped from the real exporter in the docker
// tier) plus the target labels the Prometheus Operator adds to a ServiceMonitor's targets; every claim
// gets the kubelet's volume series. Scenarios then break one thing and say which alert must fire.
import { DatabaseSpec } from "../../../components/config/validate";
import { containerPreset } from "../../../components/cluster/pod";
import { DEFAULT_MAX_STALENESS_MINUTES } from "../../../components/cluster/monitoring";
import { RenderedPrometheusRule, Sample, Workload } from "./prometheus";

/** Samples one scrape of each exporter kind yields, before the target labels. */
export interface ExporterTemplates {
    "postgres-server": Sample[];
    "postgres-baked": Sample[];
    mysql: Sample[];
}

export interface Pod {
    namespace: string;
    name: string;
    workload: Workload;
    database: DatabaseSpec;
    standby: boolean;
}

export interface Series {
    name: string;
    labels: Record<string, string>;
    values: string;
    pod?: Pod;
    /** For kubelet volume series: the claim, and whether it is the first data claim of the primary. */
    claim?: string;
    database: DatabaseSpec;
}

/** Samples per series: 30 minutes at the 30 s scrape interval. */
const N = 60;
export const INTERVAL = "30s";
export const EVAL_TIME = "20m";
const flat = (v: number) => `${v}x${N - 1}`;
const rising = (from: number, perSample: number) => `${from}+${perSample}x${N - 1}`;
const GiB = 1024 ** 3;

export function stalenessSeconds(spec: DatabaseSpec): number {
    return (spec.replicas.maxStalenessMinutes ?? DEFAULT_MAX_STALENESS_MINUTES) * 60;
}

function exporterKind(w: Workload): keyof ExporterTemplates {
    if (w.engine === "mysql") return "mysql";
    return w.component === "baked-replica" ? "postgres-baked" : "postgres-server";
}

function pods(w: Workload, database: DatabaseSpec): Pod[] {
    return Array.from({ length: w.replicas }, (_, i) => ({
        namespace: w.namespace, workload: w, database,
        // Deployment pods are <deployment>-<pod-template-hash>-<5 characters>.
        name: w.kind === "StatefulSet" ? `${w.name}-${i}` : `${w.name}-6d9c8b7f5c-${"bcdfg"[i % 5]}x${i}k9`,
        standby: w.component === "streaming-replica" || (w.component === "server" && i > 0),
    }));
}

/** When the bake loop's CronJob last ran (unix seconds). */
const LOOP_SCHEDULED = 1_795_000_000;

/** The connections series a scenario raises: a client backend on the application database. */
function isClientSeries(s: { name: string; labels: Record<string, string> }, spec: DatabaseSpec): boolean {
    return s.name === "mysql_global_status_threads_connected" ||
        (s.name === "pg_stat_activity_count" && s.labels.backend_type === "client backend" && s.labels.datname === spec.databaseName && s.labels.state === "active");
}

function healthy(s: Sample, pod: Pod): string {
    const max = containerPreset(pod.database).maxConnections;
    switch (s.name) {
        case "pg_up": case "mysql_up": return flat(1);
        case "dbplace_replication_is_replica": case "dbplace_replication_is_streaming": return flat(pod.standby ? 1 : 0);
        // Half the alert threshold: a standby that keeps up within seconds is no page.
        case "dbplace_replication_lag_seconds": return flat(pod.standby ? 30 : 0);
        // Thirty minutes short of the staleness limit at the start, still ten short at evaluation.
        case "dbplace_baked_data_age_seconds": return rising(stalenessSeconds(pod.database) - 1800, 30);
        default:
            // 70 % of max_connections is busy, not near full.
            return isClientSeries(s, pod.database) ? flat(Math.floor(max * 0.7)) : flat(s.value);
    }
}

/** Every series Prometheus would hold for the stack while all is well. */
export function healthyWorld(ws: Workload[], specOf: (w: Workload) => DatabaseSpec, templates: ExporterTemplates,
    claims: { namespace: string; name: string }[], scrapedDatabase: string): Series[] {
    const out: Series[] = [];
    for (const w of ws) {
        const database = specOf(w);
        for (const pod of pods(w, database)) {
            // What the Prometheus Operator sets on a ServiceMonitor target (namespace, service, pod, container, endpoint, job, instance).
            const service = w.component === "server" ? `${database.name}-headless` : `${database.name}-ro`;
            const target = { namespace: pod.namespace, service, pod: pod.name, container: "exporter", endpoint: "metrics", job: service, instance: `10.244.0.${out.length % 250 + 2}:9187` };
            for (const t of templates[exporterKind(w)]) {
                // The scrape ran against a server whose application database is `scrapedDatabase`; this pod's is the spec's.
                const s = t.labels.datname === scrapedDatabase ? { ...t, labels: { ...t.labels, datname: database.databaseName } } : t;
                out.push({ name: s.name, labels: { ...s.labels, ...target }, values: healthy(s, pod), pod, database });
            }
        }
    }
    // kubelet /metrics (kube-prometheus-stack's kubelet ServiceMonitor, honorLabels): the claim's namespace
    // and name (k8s.io/kubernetes pkg/kubelet/metrics/collectors/volume_stats.go) plus the scrape target's labels.
    const allClaims = [...ws.flatMap((w) => w.claims.map((name) => ({ namespace: w.namespace, name }))), ...claims];
    for (const c of allClaims) {
        const database = specOf(ws.find((w) => w.namespace === c.namespace)!);
        const labels = { namespace: c.namespace, persistentvolumeclaim: c.name, endpoint: "https-metrics", instance: "172.18.0.2:10250", job: "kubelet", metrics_path: "/metrics", node: "node-1", service: "kube-prometheus-stack-kubelet" };
        out.push({ name: "kubelet_volume_stats_capacity_bytes", labels, values: flat(10 * GiB), claim: c.name, database });
        // 20 % free: close to the 15 % threshold, still quiet.
        out.push({ name: "kubelet_volume_stats_available_bytes", labels, values: flat(2 * GiB), claim: c.name, database });
    }
    // kube-state-metrics (kube-prometheus-stack's ServiceMonitor, honorLabels) for the in-cluster bake loop's
    // CronJob (k8s.io/kube-state-metrics internal/store/cronjob.go): its last run succeeded 20 s after it was scheduled.
    for (const w of ws.filter((x) => x.component === "baked-replica")) {
        const database = specOf(w);
        if (database.replicas.source !== "loop") continue;
        const labels = { namespace: w.namespace, cronjob: `${database.name}-rebake`, job: "kube-state-metrics", instance: "10.244.0.250:8080", service: "kube-prometheus-stack-kube-state-metrics" };
        out.push({ name: "kube_cronjob_status_last_schedule_time", labels, values: flat(LOOP_SCHEDULED), database });
        out.push({ name: "kube_cronjob_status_last_successful_time", labels, values: flat(LOOP_SCHEDULED + 20), database });
    }
    return out;
}

export interface Scenario {
    title: string;
    /** The PrometheusRule object whose alert must fire. */
    rule: RenderedPrometheusRule;
    alert: string;
    series: Series[];
    /** Labels the firing alert carries from its expression (the rule's own labels are added later). */
    firing: Record<string, string>;
}

/** One scenario per alert of the rule: the world with exactly that fault. */
export function scenarios(rule: RenderedPrometheusRule, world: Series[]): Scenario[] {
    const spec = rule.database;
    const mine = (s: Series) => s.database.name === spec.name && s.pod !== undefined;
    const primary = `${spec.name}-0`;
    const standby = world.find((s) => mine(s) && s.pod!.standby)?.pod!.name;
    const streamingStandby = world.find((s) => mine(s) && s.pod!.workload.component === "streaming-replica")?.pod!.name;
    const edit = (pick: (s: Series) => boolean, values: (s: Series) => string | undefined) =>
        world.flatMap((s) => {
            if (!pick(s)) return [s];
            const v = values(s);
            return v === undefined ? [] : [{ ...s, values: v }];
        });
    const alerts = rule.groups.flatMap((g) => g.rules.map((r) => r.alert));
    const out: Scenario[] = [];
    for (const alert of alerts) {
        const base = { rule, alert };
        switch (alert) {
            case "DatabaseDown":
                // The exporter still answers, the server does not: only the up gauge is left, at 0.
                out.push({ ...base, title: `${spec.name}: the primary stops answering its exporter`, firing: { pod: primary },
                    series: edit((s) => mine(s) && s.pod!.name === primary, (s) => (/_up$/.test(s.name) ? flat(0) : undefined)) });
                // The whole pod is gone (evicted, node lost): no series at all.
                out.push({ ...base, title: `${spec.name}: every server pod disappears`, firing: { namespace: rule.namespace },
                    series: edit((s) => mine(s) && s.pod!.workload.component === "server", () => undefined) });
                break;
            case "ConnectionsNearMax":
                out.push({ ...base, title: `${spec.name}: 90 % of max_connections in use`, firing: { pod: primary },
                    series: edit((s) => mine(s) && s.pod!.name === primary && isClientSeries(s, spec), () => flat(Math.ceil(containerPreset(spec).maxConnections * 0.9))) });
                break;
            case "DiskNearFull": {
                const claim = `data-${spec.name}-0`;
                const fault = world.find((s) => s.claim === claim && s.database.name === spec.name)!;
                out.push({ ...base, title: `${spec.name}: the primary's data volume is 90 % full`, firing: { ...fault.labels },
                    series: edit((s) => s.claim === claim && s.database.name === spec.name && s.name === "kubelet_volume_stats_available_bytes", () => flat(1 * GiB)) });
                break;
            }
            case "ReplicationLag":
                if (!standby) throw new Error(`${rule.resource}: a ReplicationLag rule, but the stack deploys no standby of ${spec.name}`);
                out.push({ ...base, title: `${spec.name}: standby ${standby} falls two minutes behind`, firing: { pod: standby },
                    series: edit((s) => mine(s) && s.pod!.name === standby && s.name === "dbplace_replication_lag_seconds", () => rising(60, 30)) });
                // Cut off from its primary, a standby replays nothing and reads lag 0: is_streaming must catch it.
                out.push({ ...base, title: `${spec.name}: standby ${standby} stops streaming`, firing: { pod: standby },
                    series: edit((s) => mine(s) && s.pod!.name === standby && /^dbplace_replication_(is_streaming|lag_seconds)$/.test(s.name), () => flat(0)) });
                // A streaming standby whose server is down: its exporter reports only pg_up 0.
                if (streamingStandby) {
                    out.push({ ...base, title: `${spec.name}: standby ${streamingStandby} stops answering its exporter`, firing: { pod: streamingStandby },
                        series: edit((s) => mine(s) && s.pod!.name === streamingStandby, (s) => (/_up$/.test(s.name) ? flat(0) : undefined)) });
                }
                break;
            case "BakedReplicaStale":
                out.push({ ...base, title: `${spec.name}: baked replicas serve data older than maxStalenessMinutes`, firing: {},
                    series: edit((s) => mine(s) && s.name === "dbplace_baked_data_age_seconds", () => rising(stalenessSeconds(spec) - 60, 30)) });
                break;
            case "BakeLoopFailing": {
                const success = (x: Series) => x.database.name === spec.name && x.name === "kube_cronjob_status_last_successful_time";
                out.push({ ...base, title: `${spec.name}: the bake loop's last scheduled run failed (the one before succeeded)`, firing: {},
                    series: edit(success, () => flat(LOOP_SCHEDULED - 300)) });
                out.push({ ...base, title: `${spec.name}: the bake loop has never succeeded`, firing: {}, series: edit(success, () => undefined) });
                break;
            }
            default:
                throw new Error(`${rule.resource}: no scenario makes alert ${alert} fire; add one here`);
        }
    }
    return out;
}
