import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { ClusterDatabase } from "../../components/cluster";
import { resolveStack } from "../../components/config";
import { MockRun, RecordedResource, runProgram } from "../../lib/mock-runner";
import { loadStackConfig } from "../../lib/stacks";
import { program } from "../../program";
import { inventory, ofType, one } from "../helpers/resources";

const run = (config: Record<string, unknown>, stack = "test") => runProgram({ stack, config, program });
/** Builds the component directly from a spec, e.g. to inject a provider or bypass validation. */
const runDirect = (build: () => void) => runProgram({ stack: "test", config: {}, program: async () => build() ?? undefined });

const T = {
    ns: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    configMap: "kubernetes:core/v1:ConfigMap",
    service: "kubernetes:core/v1:Service",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    sts: "kubernetes:apps/v1:StatefulSet",
    deploy: "kubernetes:apps/v1:Deployment",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    cron: "kubernetes:batch/v1:CronJob",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    monitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    rule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    provider: "pulumi:providers:kubernetes",
    password: "random:index/randomPassword:RandomPassword",
    image: "docker:index/remoteImage:RemoteImage",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    claimPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
    seed: "random:index/randomBytes:RandomBytes",
} as const;

const cluster = { cloud: "local", placement: "cluster" };
const bakedImage = { kind: "baked", count: 2, image: "registry.example.com/app-baked:seed" };
const base = {
    [T.provider]: ["app-k8s"],
    [T.ns]: ["app-ns"],
    [T.password]: ["app-app-password", "app-monitor-password", "app-password", "app-replication-password"],
    [T.secret]: ["app-credentials", "app-monitor", "app-server-secret"],
    // One CA per database: the `-ro` certificate (baked or streaming) and the primary's, each with its own key.
    [T.seed]: ["app-tls-ca-seed", "app-tls-primary-seed", "app-tls-server-seed"],
    [T.configMap]: ["app-exporter-queries", "app-init"],
    [T.service]: ["app-headless", "app-rw"],
    [T.sts]: ["app-server"],
    [T.pdb]: ["app-pdb"],
    [T.netpol]: ["app-netpol"],
    [T.pvc]: ["app-dumps"],
    [T.cron]: ["app-dump"],
    [T.serviceAccount]: ["app-dump-sa", "app-sa"],
    [T.claimPatch]: ["app-data-0"],
};

/** Recorded inputs keep a secret's wrapper: `{<sig>: <secret>, value}`. */
const unsecret = (v: any) => (v && typeof v === "object" && "value" in v && Object.keys(v).length === 2 ? v.value : v);

/** Every type this placement can create: absent from an expectation means "must not exist". */
const OWNED = Object.values(T);
function owned(r: MockRun): Record<string, string[]> {
    return Object.fromEntries(Object.entries(inventory(r)).filter(([type]) => (OWNED as readonly string[]).includes(type)));
}

describe("local/cluster placement: resources per variant", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[]>][] = [
        ["no replicas", {}, base],
        ["high availability", { highAvailability: true }, { ...base, [T.claimPatch]: ["app-data-0", "app-data-1"] }],
        ["baked replicas as a service", { replicas: bakedImage }, {
            ...base,
            [T.secret]: ["app-baked-reader", "app-baked-tls", "app-credentials", "app-monitor", "app-server-secret"],
            [T.service]: ["app-baked-ro", "app-headless", "app-rw"],
            [T.deploy]: ["app-baked-deploy"],
            [T.configMap]: ["app-baked-exporter-queries", "app-exporter-queries", "app-init"],
            [T.pdb]: ["app-baked-pdb", "app-pdb"],
            [T.netpol]: ["app-baked-netpol", "app-netpol"],
        }],
        ["baked replicas with an autoscaler", { replicas: { ...bakedImage, maxReplicas: 5 } }, {
            ...base,
            [T.secret]: ["app-baked-reader", "app-baked-tls", "app-credentials", "app-monitor", "app-server-secret"],
            [T.service]: ["app-baked-ro", "app-headless", "app-rw"],
            [T.deploy]: ["app-baked-deploy"],
            [T.configMap]: ["app-baked-exporter-queries", "app-exporter-queries", "app-init"],
            [T.pdb]: ["app-baked-pdb", "app-pdb"],
            [T.netpol]: ["app-baked-netpol", "app-netpol"],
            [T.hpa]: ["app-baked-hpa"],
        }],
        ["baked replicas as sidecars", { replicas: { ...bakedImage, mode: "sidecar" } }, base],
        ["baked replicas built from a dump", { replicas: { kind: "baked", count: 1, dump: "stacks/seed/app.dump", repository: "registry.example.com/team/app-baked" } }, {
            ...base,
            [T.image]: ["app-baked-image"],
            [T.secret]: ["app-baked-reader", "app-baked-tls", "app-credentials", "app-monitor", "app-server-secret"],
            [T.service]: ["app-baked-ro", "app-headless", "app-rw"],
            [T.deploy]: ["app-baked-deploy"],
            [T.configMap]: ["app-baked-exporter-queries", "app-exporter-queries", "app-init"],
            [T.pdb]: ["app-baked-pdb", "app-pdb"],
            [T.netpol]: ["app-baked-netpol", "app-netpol"],
        }],
        ["streaming replicas", { replicas: { kind: "streaming", count: 2 } }, {
            ...base,
            [T.service]: ["app-headless", "app-rw", "app-streaming-ro"],
            [T.secret]: ["app-credentials", "app-monitor", "app-server-secret", "app-streaming-server-secret"],
            [T.sts]: ["app-server", "app-streaming-standbys"],
            [T.claimPatch]: ["app-data-0", "app-streaming-data-0", "app-streaming-data-1"],
            [T.pdb]: ["app-pdb", "app-streaming-pdb"],
            [T.netpol]: ["app-netpol", "app-streaming-netpol"],
        }],
        ["prometheus operator", { cluster: { prometheusOperator: true } }, { ...base, [T.monitor]: ["app-servicemonitor"], [T.rule]: ["app-alerts"] }],
        ["prometheus operator with baked replicas", { cluster: { prometheusOperator: true }, replicas: bakedImage }, {
            ...base,
            [T.secret]: ["app-baked-reader", "app-baked-tls", "app-credentials", "app-monitor", "app-server-secret"],
            [T.service]: ["app-baked-ro", "app-headless", "app-rw"],
            [T.deploy]: ["app-baked-deploy"],
            [T.configMap]: ["app-baked-exporter-queries", "app-exporter-queries", "app-init"],
            [T.pdb]: ["app-baked-pdb", "app-pdb"],
            [T.netpol]: ["app-baked-netpol", "app-netpol"],
            [T.monitor]: ["app-baked-servicemonitor", "app-servicemonitor"],
            [T.rule]: ["app-alerts", "app-baked-alerts"],
        }],
        // mysql keeps its image's own user (not root) and no TLS of ours yet: no roles, no certificates, no start script.
        ["mysql", { engine: "mysql" }, {
            ...base, [T.password]: ["app-password"], [T.secret]: ["app-credentials"], [T.seed]: undefined as unknown as string[], [T.configMap]: undefined as unknown as string[],
        }],
        ["an existing namespace", { cluster: { namespace: "data" } }, { ...base, [T.ns]: undefined as unknown as string[] }],
    ];
    for (const [title, extra, expected] of variants) {
        it(title, async () => {
            const want = Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined));
            assert.deepEqual(owned(await run({ ...cluster, ...extra })), want);
        });
    }
});

describe("local/cluster placement: contract", () => {
    const cases: [string, Record<string, unknown>, { readHost: string; read: RegExp }][] = [
        ["no replicas reads from the primary", {}, { readHost: "app-rw.db-app.svc", read: /^postgresql:\/\/dbplace_app:[^@]+@app-rw\.db-app\.svc:5432\/app\?sslmode=verify-full$/ }],
        ["baked service reads as the reader role", { replicas: bakedImage }, { readHost: "app-ro.db-app.svc", read: /^postgresql:\/\/dbplace_reader:[^@]+@app-ro\.db-app\.svc:5432\/app\?sslmode=verify-full$/ }],
        ["sidecar reads over localhost", { replicas: { ...bakedImage, mode: "sidecar" } }, { readHost: "127.0.0.1", read: /^postgresql:\/\/dbplace_reader:[^@]+@127\.0\.0\.1:5432\/app$/ }],
        ["streaming reads from the standbys", { replicas: { kind: "streaming", count: 1 } }, { readHost: "app-ro.db-app.svc", read: /^postgresql:\/\/dbplace_app:[^@]+@app-ro\.db-app\.svc:5432\/app\?sslmode=verify-full$/ }],
    ];
    for (const [title, extra, want] of cases) {
        it(title, async () => {
            const db = (await run({ ...cluster, ...extra })).outputs.databases.app;
            assert.equal(db.host, "app-rw.db-app.svc");
            assert.equal(db.port, 5432);
            assert.equal(db.readHost, want.readHost);
            assert.equal(db.readPort, 5432);
            // The application role, never the superuser, over TLS that checks the server's name against the contract's CA.
            assert.equal(db.username, "dbplace_app");
            assert.match(db.connectionSecret, /^postgresql:\/\/dbplace_app:[A-Za-z0-9]{32}@app-rw\.db-app\.svc:5432\/app\?sslmode=verify-full$/);
            assert.match(db.caCert, /^-----BEGIN CERTIFICATE-----\n/);
            assert.match(db.readConnectionSecret, want.read);
            assert.equal(db.placement, "cluster");
        });
    }

    it("uses the mysql port, scheme and user", async () => {
        const db = (await run({ ...cluster, engine: "mysql" })).outputs.databases.app;
        assert.match(db.connectionSecret, /^mysql:\/\/dbadmin:[^@]+@app-rw\.db-app\.svc:3306\/app$/);
        assert.equal(db.readHost, db.host);
    });
});

describe("local/cluster placement: the primary", () => {
    const podOf = (r: RecordedResource) => r.inputs.spec.template.spec;
    const containersOf = (r: RecordedResource) => podOf(r).containers as any[];

    it("is a protected StatefulSet whose claims outlive it, sized by the preset", async () => {
        const result = await run({ ...cluster, size: "medium", cluster: { storageClass: "fast-ssd" } });
        const sts = one(result, T.sts, "app-server");
        assert.equal(sts.protect, true);
        assert.equal(sts.retainOnDelete, true);
        assert.equal(sts.inputs.metadata.name, "app");
        assert.equal(sts.inputs.metadata.namespace, "db-app");
        assert.equal(sts.inputs.spec.replicas, 1);
        assert.deepEqual(sts.inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        const [claim] = sts.inputs.spec.volumeClaimTemplates;
        assert.equal(claim.spec.resources.requests.storage, "50Gi");
        assert.equal(claim.spec.storageClassName, "fast-ssd");
        const [db] = containersOf(sts);
        assert.deepEqual(db.resources, { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "2", memory: "2Gi" } });
        assert.ok(db.command.includes("max_connections=200"), "max_connections follows the preset the alerts compare against");
    });

    it("marks every stateful piece protected, and none when deletion protection is off", async () => {
        const stateful = (r: MockRun) => [one(r, T.sts, "app-server"), one(r, T.pvc, "app-dumps"), one(r, T.ns, "app-ns"), one(r, T.password, "app-password"), one(r, T.password, "app-replication-password")];
        for (const r of stateful(await run(cluster))) assert.equal(r.protect, true, `${r.name} must be protected`);
        for (const r of stateful(await run({ ...cluster, deletionProtection: false }))) assert.equal(r.protect, false, `${r.name} must follow deletionProtection`);
        // Pods hold no data: replacing them must never be blocked.
        const baked = await run({ ...cluster, replicas: bakedImage });
        assert.equal(one(baked, T.deploy, "app-baked-deploy").protect, false);
        assert.equal(one(baked, T.service, "app-rw").protect, false);
    });

    it("answers readiness with a real query and liveness with a cheaper check", async () => {
        // postgres: dbplace-start's probe, a query as the superuser over the unix socket once the roles are reconciled (run in tests/e2e/cluster-defects.e2e.ts).
        const [pg] = containersOf(one(await run(cluster), T.sts, "app-server"));
        assert.deepEqual(pg.readinessProbe.exec.command, ["/opt/dbplace/bin/dbplace-start", "probe", "app"]);
        assert.deepEqual(pg.startupProbe.exec.command, pg.readinessProbe.exec.command);
        for (const [engine, query, live] of [["mysql", /mysql -h 127\.0\.0\.1 .* app -e 'SELECT 1'/, /mysqladmin ping/]] as const) {
            const [db] = containersOf(one(await run({ ...cluster, engine }), T.sts, "app-server"));
            assert.deepEqual(db.readinessProbe.exec.command.slice(0, 2), ["sh", "-c"], engine);
            assert.match(db.readinessProbe.exec.command[2], query, engine);
            assert.match(db.livenessProbe.exec.command.join(" "), live, engine);
            assert.ok(db.startupProbe.failureThreshold * db.startupProbe.periodSeconds >= 600, `${engine}: startup must allow initdb and recovery`);
        }
        assert.match(pg.livenessProbe.exec.command.join(" "), /pg_isready/);
        assert.ok(pg.startupProbe.failureThreshold * pg.startupProbe.periodSeconds >= 600, "postgres: startup must allow initdb and recovery");
    });

    it("runs restricted: non-root, fsGroup, no escalation, no capabilities, RuntimeDefault seccomp", async () => {
        const result = await run({ ...cluster, replicas: bakedImage });
        for (const r of [one(result, T.sts, "app-server"), one(result, T.deploy, "app-baked-deploy")]) {
            const pod = podOf(r);
            assert.equal(pod.securityContext.runAsNonRoot, true, r.name);
            // postgres:17 for the server; the pre-baked image comes from npm run bake's dbplace/postgres base.
            assert.equal(pod.securityContext.runAsUser, r.name === "app-server" ? 999 : 100, r.name);
            assert.equal(pod.securityContext.fsGroup, r.name === "app-server" ? 999 : 102, r.name);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault", r.name);
            assert.equal(pod.automountServiceAccountToken, false, r.name);
            for (const c of pod.containers) {
                assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${r.name}/${c.name}`);
                assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], `${r.name}/${c.name}`);
            }
        }
    });

    it("runs the engine's exporter next to it, with the password from the Secret", async () => {
        for (const [engine, port] of [["postgres", 9187], ["mysql", 9104]] as const) {
            const sts = one(await run({ ...cluster, engine }), T.sts, "app-server");
            const exporter = containersOf(sts).find((c) => c.name === "exporter");
            assert.ok(exporter, engine);
            assert.deepEqual(exporter.ports, [{ name: "metrics", containerPort: port }]);
            assert.equal(exporter.readinessProbe, undefined, "a broken exporter must not take the database out of its Service");
            if (engine === "mysql") {
                const passwordEnv = exporter.env.find((e: any) => e.valueFrom?.secretKeyRef);
                assert.deepEqual(passwordEnv.valueFrom.secretKeyRef, { name: "app-credentials", key: "password" });
                continue;
            }
            // postgres: the pg_monitor role over verified TLS, its password a mounted file (issue 15).
            const env = Object.fromEntries(exporter.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
            assert.deepEqual(env, {
                DATA_SOURCE_URI: "127.0.0.1:5432/app?sslmode=verify-full&sslrootcert=/etc/dbplace-exporter-auth/ca.crt",
                DATA_SOURCE_USER: "dbplace_monitor",
                DATA_SOURCE_PASS_FILE: "/etc/dbplace-exporter-auth/password",
                PG_EXPORTER_EXTEND_QUERY_PATH: "/etc/dbplace-exporter/queries.yaml",
            });
            const mount = exporter.volumeMounts.find((m: any) => m.mountPath === "/etc/dbplace-exporter-auth");
            assert.deepEqual(podOf(sts).volumes.find((v: any) => v.name === mount.name).secret, { secretName: "app-monitor", defaultMode: 0o440 });
        }
    });

    it("keeps passwords in secrets only", async () => {
        const result = await run({ ...cluster, replicas: bakedImage });
        const password = result.outputs.databases.app.connectionSecret.match(/dbplace_app:([^@]+)@/)[1];
        const secret = one(result, T.secret, "app-credentials");
        assert.ok(secret.secretPaths.includes("stringData"), `secretPaths: ${secret.secretPaths}`);
        assert.equal(unsecret(secret.inputs.stringData).password, password);
        assert.equal(unsecret(secret.inputs.stringData).uri, result.outputs.databases.app.connectionSecret, "workloads in the namespace read the same URI");
        assert.ok(one(result, T.secret, "app-baked-reader").secretPaths.includes("stringData"));
        const server = unsecret(one(result, T.secret, "app-server-secret").inputs.stringData);
        const passwords = [password, server["superuser.pass"], unsecret(one(result, T.secret, "app-monitor").inputs.stringData).password];
        assert.ok(passwords.every((p) => /^[A-Za-z0-9]{32}$/.test(p)), "superuser, application and monitor passwords");
        assert.ok(!JSON.stringify(server).includes(password), "the server gets the application role's SCRAM verifier, not its password");
        for (const r of result.resources.filter((x) => x.type !== T.secret && x.type !== T.password)) {
            for (const p of passwords) assert.ok(!JSON.stringify(r.inputs).includes(p), `${r.type} ${r.name} carries a password in plain text`);
        }
        for (const r of ofType(result, T.secret)) assert.ok(r.secretPaths.includes("stringData"), `${r.name}: stringData must be a secret in state`);
    });

    it("exposes ClusterIP Services only, and sends writes to ordinal 0", async () => {
        for (const extra of [{}, { replicas: bakedImage }, { replicas: { kind: "streaming", count: 1 } }, { highAvailability: true }]) {
            for (const s of ofType(await run({ ...cluster, ...extra }), T.service)) {
                assert.ok(!["LoadBalancer", "NodePort"].includes(s.inputs.spec.type), `${s.name} is ${s.inputs.spec.type}`);
                assert.equal(s.inputs.spec.externalIPs, undefined, s.name);
            }
        }
        const result = await run({ ...cluster, highAvailability: true });
        assert.equal(one(result, T.service, "app-rw").inputs.spec.selector["statefulset.kubernetes.io/pod-name"], "app-0");
        assert.equal(one(result, T.service, "app-headless").inputs.spec.clusterIP, "None");
    });
});

describe("local/cluster placement: high availability", () => {
    it("adds a hot standby on another node and a budget that keeps one pod up", async () => {
        const result = await run({ ...cluster, highAvailability: true });
        const sts = one(result, T.sts, "app-server");
        assert.equal(sts.inputs.spec.replicas, 2);
        assert.equal(sts.inputs.spec.podManagementPolicy, "OrderedReady");
        const pod = sts.inputs.spec.template.spec;
        const preferred = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.find((t: any) => t.podAffinityTerm.topologyKey === "kubernetes.io/hostname");
        assert.deepEqual(preferred.podAffinityTerm.labelSelector.matchLabels, sts.inputs.spec.selector.matchLabels);
        const script = pod.containers[0].command.join(" ");
        assert.match(script, /\$\{HOSTNAME##\*-\}" = "0"/);
        assert.match(script, /exec \/opt\/dbplace\/bin\/dbplace-start master .*-c max_wal_senders=10 /);
        // Ordinal 1 clones ordinal 0 by the name in the primary's certificate, as the replication role, verified.
        assert.match(script, /conninfo='host=app-0\.app-headless port=5432 user=replicator passfile=\S+ sslmode=verify-full sslrootcert=\S+'/);
        assert.match(script, /pg_basebackup -d "\$conninfo" .* -R/);
        const files = unsecret(one(result, T.secret, "app-server-secret").inputs.stringData);
        assert.match(files["replication.pgpass"], /^\*:\*:\*:replicator:[A-Za-z0-9]{32}\n$/);
        assert.match(files["replication.verifier"], /^SCRAM-SHA-256\$4096:/);
        assert.match(files["pg_hba.conf"], /^hostssl {2}replication {2}replicator\s+all\s+scram-sha-256$/m);
        assert.deepEqual(one(result, T.pdb, "app-pdb").inputs.spec.minAvailable, 1);
    });

    it("lets a lone primary be drained instead of blocking the node forever", async () => {
        const pdb = one(await run(cluster), T.pdb, "app-pdb").inputs.spec;
        assert.equal(pdb.minAvailable, undefined);
        assert.equal(pdb.maxUnavailable, 1);
    });
});

describe("local/cluster placement: providers and stacks", () => {
    it("creates one explicit provider from cluster.kubeconfig/context and uses it everywhere", async () => {
        const result = await run({ ...cluster, cluster: { kubeconfig: "apiVersion: v1\nkind: Config", context: "kind-dev" }, replicas: bakedImage });
        const provider = one(result, T.provider, "app-k8s");
        assert.equal(provider.inputs.context, "kind-dev");
        assert.ok(provider.secretPaths.includes("kubeconfig"), "an inline kubeconfig carries credentials");
        for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.match(r.provider ?? "", /::app-k8s::/, `${r.type} ${r.name} must use the stack's provider`);
        }
        assert.equal(one(await run(cluster), T.provider, "app-k8s").inputs.kubeconfig, undefined, "ambient kubeconfig when none is set");
    });

    it("uses an injected provider instead of making one", async () => {
        const [spec] = resolveStack({ ...cluster, replicas: bakedImage }).databases;
        const result = await runDirect(() => {
            const eks = new k8s.Provider("eks", { kubeconfig: "injected" });
            new ClusterDatabase("app", { spec, provider: eks });
        });
        assert.deepEqual(ofType(result, T.provider).map((p) => p.name), ["eks"]);
        for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:"))) assert.match(r.provider ?? "", /::eks::/, r.name);
    });

    it("refuses a world-open CIDR even when validation was bypassed", async () => {
        const [spec] = resolveStack(cluster).databases;
        const open = { ...spec, network: { ...spec.network, allowedCidrs: ["10.0.0.0/8", "0.0.0.0/0"] } };
        await assert.rejects(runDirect(() => new ClusterDatabase("app", { spec: open })), /allowedCidrs contains "0\.0\.0\.0\/0": opening a database port to the whole internet/);
    });

    it("builds the example cluster stack: baked replicas for the shop namespace with an autoscaler", async () => {
        const result = await run(loadStackConfig("cluster"), "cluster");
        const deploy = one(result, T.deploy, "app-baked-deploy");
        // Baked in the cluster from the primary's own dumps, pushed to the node's registry; the replicas follow :current.
        assert.equal(deploy.inputs.spec.template.spec.containers[0].image, "10.244.0.1:5000/dbplace/app-baked:current");
        assert.equal(one(result, "kubernetes:batch/v1:CronJob", "app-baked-rebake").inputs.spec.schedule, "*/5 * * * *");
        assert.equal(one(result, T.hpa, "app-baked-hpa").inputs.spec.maxReplicas, 6);
        assert.ok(ofType(result, T.rule).length === 2);
    });

    it("keeps two databases in one stack apart (platform stack)", async () => {
        const result = await run(loadStackConfig("platform"), "platform");
        const urns = result.resources.map((r) => r.urn);
        assert.equal(new Set(urns).size, urns.length, "duplicate URNs");
        const objects = result.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => `${r.type} ${r.inputs.metadata?.namespace ?? "-"}/${r.inputs.metadata?.name}`);
        assert.equal(new Set(objects).size, objects.length, `two databases share a Kubernetes object:\n${objects.join("\n")}`);
        assert.deepEqual(ofType(result, T.ns).map((n) => n.inputs.metadata.name).sort(), ["db-catalog", "db-orders", "db-sessions"]);
        assert.deepEqual(ofType(result, T.sts).map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}:${s.inputs.spec.replicas}`).sort(),
            ["db-catalog/catalog:1", "db-orders/orders-replica:2", "db-orders/orders:2", "db-sessions/sessions:1"]);
        for (const [name, host] of Object.entries({ catalog: "catalog-ro.db-catalog.svc", orders: "orders-ro.db-orders.svc", sessions: "sessions-rw.db-sessions.svc" })) {
            assert.equal(result.outputs.databases[name].readHost, host, name);
        }
        for (const rule of ofType(result, T.rule)) {
            for (const r of rule.inputs.spec.groups[0].rules) assert.equal(r.labels.alert_email, "platform-oncall@example.com", `${rule.name}/${r.alert}`);
        }
    });
});
