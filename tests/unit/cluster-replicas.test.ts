import * as assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as k8s from "@pulumi/kubernetes";
import { BAKED, scramVerifier } from "../../components/bake";
import { bakedReplicaSidecar, ClusterBakedReplicas, withBakedReplicaSidecar } from "../../components/cluster";
import { resolveStack } from "../../components/config";
import { readerPassword } from "../../components/replicas/reader";
import { MockRun, RecordedResource, runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { ofType, one } from "../helpers/resources";

const unsecret = (v: any) => (v && typeof v === "object" && "value" in v && Object.keys(v).length === 2 ? v.value : v);

const run = (config: Record<string, unknown>) => runProgram({ stack: "test", config, program });
const runDirect = (build: () => Record<string, unknown> | void) => runProgram({ stack: "test", config: {}, program: async () => build() ?? undefined });

const cluster = { cloud: "local", placement: "cluster" };
const image = "registry.example.com/app-baked:seed";
const DEPLOY = "kubernetes:apps/v1:Deployment";
const STS = "kubernetes:apps/v1:StatefulSet";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const pod = (r: RecordedResource) => r.inputs.spec.template.spec;
const alerts = (r: MockRun, name: string) => Object.fromEntries(one(r, RULE, name).inputs.spec.groups[0].rules.map((x: any) => [x.alert, x]));

describe("cluster: baked replicas as a service", () => {
    it("is a Deployment with no volume at all, ready only once the data answers", async () => {
        const result = await run({ ...cluster, replicas: { kind: "baked", count: 3, image } });
        assert.deepEqual(ofType(result, STS).map((s) => s.name), ["app-server"], "replicas must not be a StatefulSet");
        const deploy = one(result, DEPLOY, "app-baked-deploy");
        assert.equal(deploy.inputs.metadata.name, "app-baked");
        assert.equal(deploy.inputs.spec.replicas, 3);
        assert.equal(deploy.inputs.spec.volumeClaimTemplates, undefined);
        const spec = pod(deploy);
        // The data is in the image: nothing but a memory-backed /dev/shm, the exporter's queries file and the TLS Secret.
        assert.deepEqual(spec.volumes.map((v: any) => Object.keys(v).filter((k) => k !== "name").join() + ":" + (v.emptyDir?.medium ?? v.configMap?.name ?? v.secret?.secretName ?? "")),
            ["emptyDir:Memory", "configMap:app-baked-exporter", "secret:app-replica-tls"]);
        assert.ok(!JSON.stringify(spec).includes("persistentVolumeClaim"), "baked replicas mount no claim");
        const [db] = spec.containers;
        assert.equal(db.image, image);
        assert.deepEqual(db.readinessProbe.exec.command, BAKED.readinessCommand("app"));
        assert.deepEqual(db.startupProbe.exec.command, BAKED.readinessCommand("app"));
        assert.deepEqual(db.livenessProbe.tcpSocket, { port: 5432 });
    });

    it("rolls without ever dropping below count ready pods", async () => {
        const deploy = one(await run({ ...cluster, replicas: { kind: "baked", count: 2, image } }), DEPLOY, "app-baked-deploy");
        assert.deepEqual(deploy.inputs.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        assert.deepEqual(deploy.ignoreChanges, [], "without an autoscaler Pulumi owns the count");
    });

    it("exports the data age as dbplace_baked_data_age_seconds from its own exporter, as the reader", async () => {
        const result = await run({ ...cluster, replicas: { kind: "baked", count: 1, image } });
        const deploy = one(result, DEPLOY, "app-baked-deploy");
        const exporter = pod(deploy).containers.find((c: any) => c.name === "exporter");
        const env = Object.fromEntries(exporter.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.DATA_SOURCE_USER, BAKED.readerRole);
        assert.deepEqual(env.DATA_SOURCE_PASS, { secretKeyRef: { name: "app-reader", key: "password" } });
        // A mounted file, not a shell writing one: the project's exporter image has no shell.
        assert.equal(exporter.command, undefined);
        assert.equal(env.PG_EXPORTER_EXTEND_QUERY_PATH, "/etc/dbplace-exporter/queries.yaml");
        assert.deepEqual(exporter.volumeMounts, [{ name: "exporter-queries", mountPath: "/etc/dbplace-exporter", readOnly: true }]);
        const queries = one(result, "kubernetes:core/v1:ConfigMap", "app-baked-exporter-queries").inputs.data["queries.yaml"];
        // postgres_exporter names metrics <namespace>_<column>.
        assert.match(queries, /^dbplace_baked_data_age:\n/);
        assert.match(queries, /- seconds:\n\s+usage: GAUGE/);
        assert.ok(queries.replace(/\s+/g, " ").includes(BAKED.ageQuery.replace(/\s+/g, " ")), "the age comes from the image's metadata table");
    });

    it("scales on CPU between count and maxReplicas, and leaves the count to the autoscaler", async () => {
        const result = await run({ ...cluster, replicas: { kind: "baked", count: 2, image, maxReplicas: 8 } });
        const hpa = one(result, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-baked-hpa").inputs.spec;
        assert.deepEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "app-baked" });
        assert.equal(hpa.minReplicas, 2);
        assert.equal(hpa.maxReplicas, 8);
        assert.equal(hpa.metrics[0].resource.name, "cpu");
        assert.deepEqual(one(result, DEPLOY, "app-baked-deploy").ignoreChanges, ["spec.replicas"]);
    });

    it("serves reads behind app-ro with a budget and a policy of its own", async () => {
        const result = await run({ ...cluster, replicas: { kind: "baked", count: 2, image }, network: { allowedNamespaces: ["shop"] } });
        const svc = one(result, "kubernetes:core/v1:Service", "app-baked-ro").inputs;
        assert.equal(svc.metadata.name, "app-ro");
        assert.equal(svc.spec.type, "ClusterIP");
        assert.deepEqual(svc.spec.selector, one(result, DEPLOY, "app-baked-deploy").inputs.spec.selector.matchLabels);
        assert.equal(one(result, "kubernetes:policy/v1:PodDisruptionBudget", "app-baked-pdb").inputs.spec.minAvailable, 2);
        const policy = one(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "app-baked-netpol").inputs.spec;
        assert.deepEqual(policy.podSelector.matchLabels, svc.spec.selector);
        assert.deepEqual(policy.ingress[1].from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } }]);
    });

    it("alerts when the served data is older than maxStalenessMinutes", async () => {
        const result = await run({ ...cluster, cluster: { prometheusOperator: true }, alertEmail: "db@example.com", replicas: { kind: "baked", count: 1, image, maxStalenessMinutes: 90 } });
        const stale = alerts(result, "app-baked-alerts").BakedReplicaStale;
        assert.match(stale.expr, /dbplace_baked_data_age_seconds\{namespace="db-app", pod=~"app-baked-\[a-z0-9\]\+-\[a-z0-9\]\+"\}\) > 5400$/);
        assert.equal(stale.labels.alert_email, "db@example.com");
        const unset = alerts(await run({ ...cluster, cluster: { prometheusOperator: true }, replicas: { kind: "baked", count: 1, image } }), "app-baked-alerts");
        assert.match(unset.BakedReplicaStale.expr, /> 86400$/, "a day when maxStalenessMinutes is unset: never no alert at all");
        const monitor = one(result, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "app-baked-servicemonitor").inputs.spec;
        assert.deepEqual(monitor.selector.matchExpressions, [{ key: "app.kubernetes.io/component", operator: "In", values: ["baked-replica"] }]);
        assert.deepEqual(monitor.endpoints, [{ port: "metrics", interval: "30s", path: "/metrics" }]);
    });

    it("bakes a dump into an image tagged with the dump's digest and pushes it to replicas.repository", async () => {
        const repository = "registry.example.com/team/app-baked";
        const result = await run({ ...cluster, replicas: { kind: "baked", count: 2, dump: "stacks/seed/app.dump", repository } });
        const digest = createHash("sha256").update(fs.readFileSync("stacks/seed/app.dump")).digest("hex");
        const built = one(result, "docker:index/remoteImage:RemoteImage", "app-baked-image");
        // A new dump is a new tag, hence a new pod template and a rolling update.
        assert.equal(built.inputs.name, `${repository}:${digest.slice(0, 16)}`);
        const push = one(result, "docker:index/registryImage:RegistryImage", "app-baked-image-push");
        assert.equal(push.inputs.name, built.inputs.name);
        // The push needs an auth entry for its registry: no login given, so the deployer's `docker login`.
        const auth = JSON.parse(one(result, "pulumi:providers:docker", "app-baked-image-registry").inputs.registryAuth);
        assert.deepEqual([auth[0].address, auth[0].authDisabled], ["registry.example.com", false]);
        assert.ok(built.secretPaths.some((p) => p.startsWith("build")), "the reader verifier build arg stays secret");
        // The image accepts exactly the password the stack hands out in readConnectionSecret.
        const reader = decodeURIComponent(result.outputs.databases.app.readConnectionSecret.match(/dbplace_reader:([^@]+)@/)[1]);
        const args = (built.inputs.build.value ?? built.inputs.build).buildArgs;
        const verifier = args.READER_VERIFIER?.value ?? args.READER_VERIFIER;
        assert.equal(verifier, scramVerifier(reader), "the bake library reads READER_VERIFIER");
        // Pods run the pushed image by digest: a tag moved in the registry never changes what runs.
        assert.match(pod(one(result, DEPLOY, "app-baked-deploy")).containers[0].image, new RegExp(`^${repository}@sha256:[0-9]{64}$`));
    });
});

describe("cluster: baked replicas as sidecars", () => {
    it("creates nothing in the cluster and hands out a localhost read endpoint", async () => {
        const result = await run({ ...cluster, replicas: { kind: "baked", count: 2, image, mode: "sidecar" } });
        assert.deepEqual(ofType(result, DEPLOY), []);
        assert.equal(result.resources.filter((r) => r.parent === "app-baked").length, 0);
        assert.equal(result.outputs.databases.app.readHost, "127.0.0.1");
        assert.equal(result.outputs.databases.app.readPort, BAKED.port);
    });

    it("builds a volume-less container with the query readiness probe", () => {
        const [spec] = resolveStack({ ...cluster, replicas: { kind: "baked", count: 1, image, mode: "sidecar" } }).databases;
        const c = bakedReplicaSidecar({ spec, image });
        assert.equal(c.name, "app-replica");
        assert.equal(c.image, image);
        assert.equal(c.volumeMounts, undefined);
        assert.deepEqual((c.readinessProbe as any).exec.command, BAKED.readinessCommand("app"));
        assert.deepEqual(c.ports, [{ name: "db", containerPort: 5432 }]);
        assert.equal((c.securityContext as any).runAsUser, 100, "set on the container: the application's pod has its own settings");
    });

    it("adds itself to an application's pod, as a native sidecar by default", async () => {
        const [spec] = resolveStack({ ...cluster, replicas: { kind: "baked", count: 1, image, mode: "sidecar" } }).databases;
        const app = { containers: [{ name: "app", image: "shop:1" }], initContainers: [{ name: "migrate", image: "shop:1" }] };
        const result = await runDirect(() => {
            new k8s.apps.v1.Deployment("shop", { spec: { selector: { matchLabels: { a: "b" } }, template: { spec: withBakedReplicaSidecar(app, { spec, image }) } } });
            new k8s.apps.v1.Deployment("legacy", { spec: { selector: { matchLabels: { a: "b" } }, template: { spec: withBakedReplicaSidecar(app, { spec, image, native: false }) } } });
        });
        const native = pod(one(result, DEPLOY, "shop"));
        assert.deepEqual(native.containers.map((c: any) => c.name), ["app"]);
        assert.deepEqual(native.initContainers.map((c: any) => `${c.name}:${c.restartPolicy ?? "-"}`), ["migrate:-", "app-replica:Always"]);
        const legacy = pod(one(result, DEPLOY, "legacy"));
        assert.deepEqual(legacy.containers.map((c: any) => c.name), ["app", "app-replica"]);
        assert.deepEqual(legacy.initContainers.map((c: any) => c.name), ["migrate"]);
        for (const p of [native, legacy]) {
            const replica = [...p.containers, ...p.initContainers].find((c: any) => c.name === "app-replica");
            assert.deepEqual(replica.volumeMounts, [{ name: "dbplace-shm", mountPath: "/dev/shm" }]);
            assert.deepEqual(p.volumes, [{ name: "dbplace-shm", emptyDir: { medium: "Memory", sizeLimit: "128Mi" } }], "the replica's /dev/shm joins the pod");
        }
    });
});

describe("cluster: baked replicas for another placement's master", () => {
    it("brings its own provider and namespace, or uses the ones it is given", async () => {
        const [spec] = resolveStack({ ...cluster, cluster: { context: "kind-dev" }, replicas: { kind: "baked", count: 1, image } }).databases;
        const alone = await runDirect(() => { new ClusterBakedReplicas("rds-baked", { spec, readerPassword: readerPassword("master") }); });
        assert.equal(one(alone, "pulumi:providers:kubernetes", "rds-baked-k8s").inputs.context, "kind-dev");
        assert.equal(one(alone, "kubernetes:core/v1:Namespace", "rds-baked-ns").inputs.metadata.name, "db-app");
        const given = await runDirect(() => {
            const provider = new k8s.Provider("eks", {});
            new ClusterBakedReplicas("rds-baked", { spec, readerPassword: readerPassword("master"), provider, namespace: "reads" });
        });
        assert.deepEqual(ofType(given, "pulumi:providers:kubernetes").map((p) => p.name), ["eks"]);
        assert.deepEqual(ofType(given, "kubernetes:core/v1:Namespace"), []);
        assert.equal(one(given, DEPLOY, "rds-baked-deploy").inputs.metadata.namespace, "reads");
        assert.match(one(given, DEPLOY, "rds-baked-deploy").provider ?? "", /::eks::/);
    });
});

describe("cluster: streaming replicas", () => {
    it("clone the primary with pg_basebackup into disposable claims and follow its WAL", async () => {
        const result = await run({ ...cluster, replicas: { kind: "streaming", count: 3 } });
        const sts = one(result, STS, "app-streaming-standbys");
        assert.equal(sts.inputs.metadata.name, "app-replica");
        assert.equal(sts.inputs.spec.replicas, 3);
        assert.deepEqual(sts.inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Delete", whenScaled: "Delete" });
        assert.equal(sts.protect, false, "standbys are copies: re-cloned, never protected");
        assert.ok(sts.dependsOn.includes("app-server"), "standbys start after the primary");
        const script = pod(sts).containers[0].command.join(" ");
        // As the replication role, its password from the mounted pgpass, the primary's name verified against the CA (issue 15).
        assert.match(script, /conninfo='host=app-rw\.db-app\.svc port=5432 user=replicator passfile=\/var\/run\/postgresql\/dbplace\/replication\.pgpass sslmode=verify-full sslrootcert=\/var\/run\/postgresql\/dbplace\/ca\.crt'/);
        assert.match(script, /pg_basebackup -d "\$conninfo" -S "\$slot" -D "\$clone" -R -X stream/);
        assert.match(script, /mv "\$clone" "\$PGDATA"/);
        assert.match(script, /exec postgres -c max_connections=100 .* -c hot_standby=on [\s\S]*-c "primary_conninfo=\$conninfo" -c "primary_slot_name=\$slot" [\s\S]*-c ssl=on [\s\S]*-c hba_file=/);
        assert.deepEqual(pod(sts).containers[0].env.filter((e: any) => e.valueFrom), [], "no secret in the standby's environment");
    });

    it("get their own certificate for the -ro names, the replication pgpass and nothing else of the primary's (issue 15)", async () => {
        const result = await run({ ...cluster, replicas: { kind: "streaming", count: 1 } });
        const secret = one(result, "kubernetes:core/v1:Secret", "app-streaming-server-secret");
        assert.equal(secret.inputs.metadata.name, "app-replica-server");
        assert.ok(secret.secretPaths.includes("stringData"));
        const files = unsecret(secret.inputs.stringData);
        assert.deepEqual(Object.keys(files).sort(), ["ca.crt", "pg_hba.conf", "pg_ident.conf", "replication.pgpass", "server.crt", "server.key"]);
        const ca = new X509Certificate(result.outputs.databases.app.caCert);
        const cert = new X509Certificate(files["server.crt"]);
        assert.ok(cert.verify(ca.publicKey));
        assert.equal(cert.checkHost("app-ro.db-app.svc"), "app-ro.db-app.svc");
        assert.equal(cert.checkHost("app-rw.db-app.svc"), undefined, "a standby's key cannot pass for the primary");
        assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1", "the exporter in the pod verifies it over loopback");
        const primary = unsecret(one(result, "kubernetes:core/v1:Secret", "app-server-secret").inputs.stringData);
        assert.notEqual(files["server.key"], primary["server.key"]);
        assert.doesNotMatch(files["pg_hba.conf"], /replication/, "a standby takes no replication clients");
        const standby = pod(one(result, STS, "app-streaming-standbys"));
        assert.deepEqual(standby.volumes.find((v: any) => v.name === "server-secret").secret, { secretName: "app-replica-server", defaultMode: 0o440 });
        assert.match(one(result, STS, "app-streaming-standbys").inputs.spec.template.metadata.annotations["dbplace.io/server-config-sha256"], /^[0-9a-f]{64}$/);
    });

    it("export and alert on replication lag, from the standbys' own exporters", async () => {
        const result = await run({ ...cluster, cluster: { prometheusOperator: true }, replicas: { kind: "streaming", count: 2 } });
        const standby = pod(one(result, STS, "app-streaming-standbys"));
        assert.ok(standby.volumes.some((v: any) => v.configMap?.name === "app-exporter"), "the standbys mount the primary's queries");
        assert.match(one(result, "kubernetes:core/v1:ConfigMap", "app-exporter-queries").inputs.data["queries.yaml"], /^dbplace_replication:/);
        const lag = alerts(result, "app-alerts").ReplicationLag;
        assert.match(lag.expr, /dbplace_replication_lag_seconds\{namespace="db-app", pod=~"app-\[0-9\]\+\|app-replica-\[0-9\]\+"\}\) > 60/);
        assert.match(lag.expr, /dbplace_replication_is_streaming/);
        const monitor = one(result, "kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "app-servicemonitor").inputs.spec;
        assert.deepEqual(monitor.selector.matchExpressions[0].values, ["server", "streaming-replica"]);
    });
});

describe("cluster: the primary's alerts", () => {
    const cases: [string, Record<string, unknown>, string[], RegExp][] = [
        ["postgres", {}, ["DatabaseDown", "ConnectionsNearMax", "DiskNearFull"], /pg_stat_activity_count\{namespace="db-app", pod=~"app-\[0-9\]\+"\}\) > 80$/],
        ["postgres HA", { highAvailability: true, size: "large" }, ["DatabaseDown", "ConnectionsNearMax", "DiskNearFull", "ReplicationLag"], /> 320$/],
        ["mysql", { engine: "mysql", size: "medium" }, ["DatabaseDown", "ConnectionsNearMax", "DiskNearFull"], /mysql_global_status_threads_connected\{.*\}\) > 160$/],
    ];
    for (const [title, extra, names, connections] of cases) {
        it(title, async () => {
            const rules = alerts(await run({ ...cluster, cluster: { prometheusOperator: true }, ...extra }), "app-alerts");
            assert.deepEqual(Object.keys(rules), names);
            assert.match(rules.ConnectionsNearMax.expr, connections);
            assert.match(rules.DiskNearFull.expr, /kubelet_volume_stats_available_bytes\{namespace="db-app", persistentvolumeclaim=~"data-app-\[0-9\]\+\|app-dumps"\}/);
            assert.match(rules.DatabaseDown.expr, extra.engine === "mysql" ? /mysql_up/ : /pg_up/);
            assert.match(rules.DatabaseDown.expr, /or absent\(/, "a vanished pod must page too");
            assert.equal(rules.DatabaseDown.labels.severity, "critical");
            assert.equal(rules.DatabaseDown.labels.alert_email, undefined, "no email label unless alertEmail is set");
        });
    }
});
