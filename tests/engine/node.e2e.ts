/**
 * Engine tier on a real Kubernetes node (tools/cluster: kubelet, containerd, runc, CNI bridge, CoreDNS,
 * local-path volumes): `npm run up -- cluster` deploys the repository's own cluster stack with the real
 * Pulumi engine, and real PostgreSQL pods answer. Clients are pods on the node's bridge; the host reaches
 * pod IPs directly. Run through tools/engine/run.sh.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { ok, overlay, printTimings, REPO, run, Run } from "./support/project";

const STACK = "cluster";
const NS = "db-app";
const CLIENT_NS = "shop"; // stacks/Pulumi.cluster.yaml: network.allowedNamespaces
const CLUSTER = path.join(REPO, "tools/cluster/cluster.sh");

interface Contract { host: string; port: number; readHost: string; readPort: number; database: string; username: string; connectionSecret: string; readConnectionSecret: string; caCert?: string }

let project = "";
let work = "";
let env: NodeJS.ProcessEnv = {};
let kubeconfig = "";

const cli = (args: string[]) => run(path.join(REPO, "node_modules/.bin/ts-node"), ["-T", path.join(REPO, "scripts/stack.ts"), ...args], { cwd: project, env });
// The engine as npm run up runs it: KUBECONFIG names the node (the provider records it).
const pulumi = (args: string[]) => run("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: project, env: { ...env, KUBECONFIG: kubeconfig } });
const kubectl = (args: string[], input?: string) => run("kubectl", ["--kubeconfig", kubeconfig, ...args], { env, input });
const kjson = (args: string[]) => JSON.parse(ok(kubectl([...args, "-o", "json"]), `kubectl ${args.join(" ")}`).stdout);
const outputs = (): Record<string, Contract> => JSON.parse(ok(cli(["outputs", STACK]), "npm run outputs").stdout);

function sleep(ms: number) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

function get(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => resolve(body));
        }).on("error", reject);
        req.setTimeout(5000, () => req.destroy(new Error(`timeout: ${url}`)));
    });
}

/**
 * Starts a client pod in `namespace` (the image the stack runs, so the client is the engine's own) that runs
 * `script` with $URI set to `uri` and PGSSLROOTCERT to the contract's CA, so libpq verifies the server.
 */
function clientPod(namespace: string, name: string, uri: string, ca: string | undefined, script: string, env: Record<string, string> = {}): void {
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, stringData: { uri, ca: ca ?? "" } };
    ok(kubectl(["apply", "-f", "-"], JSON.stringify(secret)), `secret ${name}`);
    const pod = {
        apiVersion: "v1", kind: "Pod", metadata: { name, namespace, labels: { "dbplace-e2e": "client" } },
        spec: {
            restartPolicy: "Never",
            securityContext: { runAsNonRoot: true, runAsUser: 100, seccompProfile: { type: "RuntimeDefault" } },
            containers: [{
                name: "psql", image: "dbplace/postgres:15", imagePullPolicy: "Never",
                command: ["sh", "-c", `[ -s /ca/ca ] && export PGSSLROOTCERT=/ca/ca\n${script}`],
                env: [{ name: "URI", valueFrom: { secretKeyRef: { name, key: "uri" } } },
                    ...Object.entries({ PGCONNECT_TIMEOUT: "5", ...env }).map(([k, value]) => ({ name: k, value }))],
                volumeMounts: [{ name: "ca", mountPath: "/ca", readOnly: true }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            }],
            volumes: [{ name: "ca", secret: { secretName: name } }],
        },
    };
    kubectl(["-n", namespace, "delete", "pod", name, "--ignore-not-found", "--wait=true"]);
    ok(kubectl(["apply", "-f", "-"], JSON.stringify(pod)), `pod ${name}`);
}

/** Waits for a client pod to end; its log, and 0 when it succeeded. */
function finished(namespace: string, name: string, seconds = 120): Run {
    let phase = "";
    for (const until = Date.now() + seconds * 1000; Date.now() < until && phase !== "Succeeded" && phase !== "Failed";) {
        sleep(250);
        phase = kubectl(["-n", namespace, "get", "pod", name, "-o", "jsonpath={.status.phase}"]).stdout.trim();
    }
    const logs = kubectl(["-n", namespace, "logs", name]);
    // The container log holds the refused attempts' errors too; the answer is its last line.
    return { code: phase === "Succeeded" ? 0 : 1, stdout: logs.stdout.trim().split("\n").pop() ?? "", stderr: `phase ${phase}\n${logs.out}`, out: logs.out };
}

/**
 * Runs `sql` with psql in a client pod and returns its answer. psql exits 2 when it cannot connect: retried,
 * because a new pod's NetworkPolicy allowance is programmed by the firewall a moment after the pod starts
 * (as with any enforcing CNI).
 */
function psqlPod(namespace: string, name: string, uri: string, sql: string, ca?: string, tries = 20): Run {
    clientPod(namespace, name, uri, ca,
        `for i in $(seq 1 ${tries}); do psql -XAtq -v ON_ERROR_STOP=1 "$URI" -c "$SQL"; rc=$?; [ $rc -eq 2 ] || exit $rc; sleep 1; done; exit 2`, { SQL: sql });
    return finished(namespace, name);
}

describe("engine tier: the cluster stack on a real node (kubelet, containerd, PostgreSQL pods)", function () {
    const started = Date.now();
    let app: Contract;

    before(function () {
        assert.ok(process.env.DBPLACE_ENGINE_BIN, "run through tools/engine/run.sh (sources tools/engine/env.sh)");
        kubeconfig = ok(run(CLUSTER, ["start"]), "npm run cluster -- start").stdout.trim().split("\n").pop()!;
        // The repository's own stack file, unmodified, in an overlay: the test's state never touches the repo.
        const o = overlay("dbplace-node-e2e-", [path.join(REPO, "stacks", `Pulumi.${STACK}.yaml`)]);
        ({ work, project } = o);
        // One turn of the bake loop a minute, so 4c sees the CronJob (not a command) carry a write to the replicas.
        const file = path.join(project, "stacks", `Pulumi.${STACK}.yaml`);
        const yaml = fs.readFileSync(file, "utf8");
        assert.match(yaml, /schedule: "\*\/5 \* \* \* \*"/, "the stack's bake loop schedule");
        fs.writeFileSync(file, yaml.replace('schedule: "*/5 * * * *"', 'schedule: "* * * * *"'));
        env = { ...process.env, PULUMI_BACKEND_URL: o.backend, DBPLACE_PROJECT_DIR: project };
        delete env.KUBECONFIG; // npm run up must find the node by itself
        ok(kubectl(["create", "namespace", CLIENT_NS]), "client namespace");
    });

    after(function () {
        this.timeout(600000);
        try {
            if (project && pulumi(["stack", "ls"]).out.includes(STACK)) {
                pulumi(["config", "set", "dbplace:deletionProtection", "false"]);
                pulumi(["up", "--yes", "--skip-preview"]);
                pulumi(["destroy", "--yes", "--skip-preview"]);
            }
        } finally {
            if (process.env.KEEP_CLUSTER !== "1") run(CLUSTER, ["stop"]);
            if (work && process.env.KEEP_TMP !== "1") fs.rmSync(work, { recursive: true, force: true });
            printTimings("real node engine tier", started);
        }
    });

    it("1. npm run up -- cluster, no image anywhere: the primary runs, the first bake Job bakes it in the cluster, the replicas are Ready", function () {
        const r = ok(cli(["up", STACK]), "npm run up -- cluster");
        assert.match(r.stderr, /cluster: the project's node/, "npm run up used the node's kubeconfig");
        app = outputs().app;
        assert.ok(app, "the app database is in the outputs");
        const sts = kjson(["-n", NS, "get", "statefulset", "-l", "app.kubernetes.io/component=server"]).items;
        assert.equal(sts.length, 1);
        assert.equal(sts[0].status.readyReplicas, 1, "the primary pod is Ready");
        const [deploy] = kjson(["-n", NS, "get", "deployment", "-l", "app.kubernetes.io/component=baked-replica"]).items;
        assert.equal(deploy.status.readyReplicas, 2, "both baked replicas are Ready");
        assert.equal(deploy.spec.template.spec.containers[0].image, "10.244.0.1:5000/dbplace/app-baked:current", "from the tag the loop moves");
        const first = kjson(["-n", NS, "get", "job", "app-bake-first"]);
        assert.equal(first.status.succeeded, 1, "the first bake ran in the cluster before the replicas");
        assert.match(ok(kubectl(["-n", NS, "logs", "job/app-bake-first", "-c", "bake"]), "first bake log").stdout, /loop: pushed 10\.244\.0\.1:5000\/dbplace\/app-baked@sha256:[0-9a-f]{64}/);
        const pods = kjson(["-n", NS, "get", "pods", "-l", "app.kubernetes.io/component=baked-replica"]).items;
        for (const p of pods) {
            assert.deepEqual((p.spec.volumes ?? []).filter((v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim), [], `${p.metadata.name} has no claim`);
        }
    });

    it("2. an application pod in an allowed namespace writes through -rw with the contract's secret, verifying the server against the contract's CA", function () {
        // The application role (not the superuser), TLS with the -rw name checked against caCert (issue 15).
        assert.equal(app.username, "dbplace_app");
        assert.match(app.connectionSecret, new RegExp(`^postgresql://dbplace_app:[^@]+@${app.host.replace(/\./g, "\\.")}:${app.port}/app\\?sslmode=verify-full$`));
        assert.match(app.caCert ?? "", /^-----BEGIN CERTIFICATE-----/);
        const r = psqlPod(CLIENT_NS, "writer", app.connectionSecret,
            "CREATE TABLE IF NOT EXISTS e2e_writes (id int PRIMARY KEY, at timestamptz DEFAULT now()); " +
            "INSERT INTO e2e_writes (id) VALUES (1) ON CONFLICT DO NOTHING; " +
            "SELECT count(*) || ':' || current_user || ':' || (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) FROM e2e_writes", app.caCert);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "1:dbplace_app:true");
        // Without the CA the same string fails: the client really verifies.
        const unverified = psqlPod(CLIENT_NS, "writer-no-ca", app.connectionSecret, "SELECT 1", undefined, 3);
        assert.notEqual(unverified.code, 0);
        assert.match(unverified.out, /root certificate file .* does not exist/);
    });

    it("2a. the superuser cannot log in over the network even with its password, cleartext is refused, and every network client is encrypted", async function () {
        const files = kjson(["-n", NS, "get", "secret", "app-server"]).data;
        const superPw = Buffer.from(files["superuser.pass"], "base64").toString();
        const appPw = decodeURIComponent(new URL(app.connectionSecret).password);
        const asSuper = psqlPod(CLIENT_NS, "superuser", `postgresql://dbadmin:${encodeURIComponent(superPw)}@${app.host}:${app.port}/app?sslmode=verify-full`, "SELECT 1", app.caCert, 3);
        assert.notEqual(asSuper.code, 0, "the superuser logged in over the network");
        assert.match(asSuper.out, /no pg_hba\.conf entry for host .* user "dbadmin"/);
        const plain = psqlPod(CLIENT_NS, "cleartext", `postgresql://dbplace_app:${encodeURIComponent(appPw)}@${app.host}:${app.port}/app?sslmode=disable`, "SELECT 1", undefined, 3);
        assert.notEqual(plain.code, 0, "a cleartext client got in");
        assert.match(plain.out, /no pg_hba\.conf entry .* no encryption/);
        // A scrape makes the exporter connect (nothing else scrapes it here); it keeps that connection.
        const primary = kjson(["-n", NS, "get", "pod", "app-0"]);
        assert.match(await get(`http://${primary.status.podIP}:9187/metrics`), /^pg_up 1$/m);
        // The superuser over the unix socket in the pod (peer authentication) is the way in that remains.
        const rows = ok(kubectl(["-n", NS, "exec", "app-0", "-c", "postgres", "--", "psql", "-XAtq", "-U", "dbadmin", "-d", "app", "-c",
            "SELECT a.usename || ':' || s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.client_addr IS NOT NULL ORDER BY 1"]), "psql over the socket").stdout.trim().split("\n");
        assert.ok(rows.includes("dbplace_monitor:true"), `the exporter's connection, encrypted: ${rows}`);
        assert.deepEqual(rows.filter((r) => !r.endsWith(":true")), [], `unencrypted network clients: ${rows}`);
        const superuser = ok(kubectl(["-n", NS, "exec", "app-0", "-c", "postgres", "--", "psql", "-XAtq", "-U", "dbadmin", "-d", "app", "-c", "SELECT rolsuper FROM pg_roles WHERE rolname = 'dbplace_app'"]), "psql");
        assert.equal(superuser.stdout.trim(), "f");
    });

    it("2b. NetworkPolicy is enforced: the same client in a namespace not allowed cannot connect", function () {
        ok(kubectl(["create", "namespace", "elsewhere"]), "namespace elsewhere");
        // Ten attempts over ten seconds and more: the refusal is the policy, not a pod that started too early.
        const r = psqlPod("elsewhere", "intruder", app.connectionSecret, "SELECT 1", app.caCert, 10);
        assert.notEqual(r.code, 0, `a pod outside network.allowedNamespaces must not reach the database:\n${r.out}`);
        assert.match(r.out, /timeout expired|could not connect|Connection refused|timed out/i);
    });

    it("3. the baked replicas serve the primary's baked data through -ro over verified TLS, read-only", function () {
        assert.match(app.readConnectionSecret, /sslmode=verify-full/, "the read string verifies the server");
        assert.match(app.caCert ?? "", /^-----BEGIN CERTIFICATE-----/, "against the contract's CA");
        const r = psqlPod(CLIENT_NS, "reader", app.readConnectionSecret, "SELECT current_database() || ':' || current_setting('transaction_read_only')", app.caCert);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "app:on", "the application database, read-only");
        const w = psqlPod(CLIENT_NS, "reader-write", app.readConnectionSecret, "CREATE TABLE nope (id int)", app.caCert);
        assert.notEqual(w.code, 0, "a write on a replica fails");
        assert.match(w.out, /read-only|permission denied/);
    });

    it("4. every exporter answers pg_up 1 on its pod IP", async function () {
        // The bake loop may be rolling the replicas (its first turn after deploy bakes again): ask the pods that
        // serve, once the roll is done, not the ones on their way out.
        ok(kubectl(["-n", NS, "rollout", "status", "deployment/app-baked", "--timeout=180s"]), "no roll in progress");
        type PodItem = { metadata: { name: string; deletionTimestamp?: string }; spec: { containers: { name: string }[] }; status: { podIP: string; conditions?: { type: string; status: string }[] } };
        const pods = (kjson(["-n", NS, "get", "pods"]).items as PodItem[]).filter((p) =>
            p.spec.containers.some((c) => c.name === "exporter") && !p.metadata.deletionTimestamp &&
            p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        assert.ok(pods.length >= 3, `primary + 2 replicas export metrics (${pods.length})`);
        for (const p of pods) {
            const port = (p.spec.containers.find((c) => c.name === "exporter") as unknown as { ports: { containerPort: number }[] }).ports[0].containerPort;
            const body = await get(`http://${p.status.podIP}:${port}/metrics`);
            assert.match(body, /^pg_up 1$/m, `${p.metadata.name}: pg_up 1`);
        }
    });

    it("4b. a Job made from the dump CronJob writes a valid custom-format dump on the dumps claim", function () {
        const [cron] = kjson(["-n", NS, "get", "cronjob", "-l", "app.kubernetes.io/component=dump"]).items;
        ok(kubectl(["-n", NS, "create", "job", "e2e-dump", `--from=cronjob/${cron.metadata.name}`]), "create job --from=cronjob");
        ok(kubectl(["-n", NS, "wait", "job/e2e-dump", "--for=condition=Complete", "--timeout=300s"]), "the dump Job completes");
        const claim = cron.spec.jobTemplate.spec.template.spec.volumes.find((v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
        // pg_restore --list reads the archive's table of contents: it fails on anything but a whole -Fc dump.
        const check = {
            apiVersion: "v1", kind: "Pod", metadata: { name: "dump-check", namespace: NS },
            spec: {
                restartPolicy: "Never",
                securityContext: { runAsNonRoot: true, runAsUser: 100, runAsGroup: 102, seccompProfile: { type: "RuntimeDefault" } },
                containers: [{
                    name: "check", image: "dbplace/postgres:15", imagePullPolicy: "Never",
                    command: ["sh", "-c", "pg_restore --list /dumps/latest.dump | grep 'TABLE DATA'"],
                    volumeMounts: [{ name: "dumps", mountPath: "/dumps", readOnly: true }],
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
                }],
                volumes: [{ name: "dumps", persistentVolumeClaim: { claimName: claim, readOnly: true } }],
            },
        };
        ok(kubectl(["apply", "-f", "-"], JSON.stringify(check)), "dump-check pod");
        try {
            ok(kubectl(["-n", NS, "wait", "pod/dump-check", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=120s"]), "pg_restore --list succeeds");
            const toc = ok(kubectl(["-n", NS, "logs", "dump-check"]), "logs").stdout;
            assert.match(toc, /TABLE DATA public e2e_writes /, `the dump holds the rows written through -rw:\n${toc}`);
        } finally {
            // Even a finished pod holds the claim (pvc-protection): npm run down would wait on it.
            kubectl(["-n", NS, "delete", "pod/dump-check", "job/e2e-dump"]);
        }
    });

    it("4c. the loop: a primary write reaches every replica after one turn of the CronJob, no command run; reads go on through the roll", function () {
        const annotation = () => kjson(["-n", NS, "get", "deployment", "app-baked"]).spec.template.metadata.annotations?.["dbplace.io/baked-digest"];
        const before = annotation();
        // A client-side reader through -ro every 100 ms for a fixed time; failures count once it has read.
        clientPod(CLIENT_NS, "roll-reader", app.readConnectionSecret, app.caCert, [
            "ok=0; fail=0; end=$(( $(date +%s) + 230 ))",
            "while [ $(date +%s) -lt $end ]; do",
            "  if psql -XAtq \"$URI\" -c 'SELECT 1' >/dev/null 2>&1; then [ $ok -eq 0 ] && echo reading; ok=$((ok + 1));",
            "  elif [ $ok -gt 0 ]; then fail=$((fail + 1)); fi",
            "  sleep 0.1",
            "done",
            "echo \"ok=$ok fail=$fail\"",
        ].join("\n"), { PGCONNECT_TIMEOUT: "2" });
        for (const until = Date.now() + 60000; !kubectl(["-n", CLIENT_NS, "logs", "roll-reader"]).stdout.includes("reading");) {
            assert.ok(Date.now() < until, "the reader never read");
            sleep(500);
        }
        const mark = `m${Date.now()}`;
        const w = psqlPod(CLIENT_NS, "writer", app.connectionSecret, `CREATE TABLE IF NOT EXISTS loop_marks (v text); INSERT INTO loop_marks VALUES ('${mark}'); SELECT 1`, app.caCert);
        assert.equal(w.code, 0, w.stderr);
        const written = Date.now();
        // A bake Job that started after the write holds it; wait for one to succeed, then for its roll.
        type JobItem = { metadata: { name: string }; status: { startTime?: string; completionTime?: string; succeeded?: number } };
        let job: JobItem | undefined;
        for (const until = Date.now() + 180000; !job; sleep(2000)) {
            assert.ok(Date.now() < until, "no bake Job started after the write succeeded within 3 minutes");
            job = (kjson(["-n", NS, "get", "jobs", "-l", "app.kubernetes.io/component=bake"]).items as JobItem[])
                .find((j) => j.status.succeeded === 1 && Date.parse(j.status.startTime ?? "") >= written - 1000);
        }
        assert.notEqual(annotation(), before, "the Job rolled the Deployment to a new bake");
        ok(kubectl(["-n", NS, "rollout", "status", "deployment/app-baked", "--timeout=180s"]), "the roll completes");
        const rolled = Date.now();
        const bakeLog = ok(kubectl(["-n", NS, "logs", `job/${job.metadata.name}`, "-c", "bake"]), "bake log").stdout;
        const took = /in ([0-9.]+) s \(restore ([0-9.]+) s/.exec(bakeLog);
        // Every replica pod, each asked directly on its own IP (not through the Service, which picks one).
        const pods = kjson(["-n", NS, "get", "pods", "-l", "app.kubernetes.io/component=baked-replica", "--field-selector=status.phase=Running"]).items
            .filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp);
        assert.equal(pods.length, 2, "two replicas after the roll");
        for (const p of pods) {
            const uri = app.readConnectionSecret.replace(/@[^:/]+:/, `@${p.status.podIP}:`).replace("sslmode=verify-full", "sslmode=verify-ca");
            const r = psqlPod(CLIENT_NS, "reader", uri, `SELECT v FROM loop_marks WHERE v = '${mark}'`, app.caCert);
            assert.equal(r.stdout, mark, `${p.metadata.name} serves the write: ${r.stderr}`);
        }
        console.log(`      write → every replica serves it: ${((rolled - written) / 1000).toFixed(0)} s (waits for the next minute's CronJob run; ` +
            `Job ${job.metadata.name} ran ${((Date.parse(job.status.completionTime!) - Date.parse(job.status.startTime!)) / 1000).toFixed(0)} s, bake ${took?.[1] ?? "?"} s, restore ${took?.[2] ?? "?"} s; roll ${((rolled - Date.parse(job.status.completionTime!)) / 1000).toFixed(0)} s)`);
        // The next turn dumps the same data: it bakes nothing and rolls nothing (an idle database stays put).
        const baked = annotation();
        let next: JobItem | undefined;
        for (const until = Date.now() + 150000; !next; sleep(2000)) {
            assert.ok(Date.now() < until, "no bake Job after the roll succeeded within 150 s");
            next = (kjson(["-n", NS, "get", "jobs", "-l", "app.kubernetes.io/component=bake"]).items as JobItem[])
                .find((j) => j.status.succeeded === 1 && Date.parse(j.status.startTime ?? "") > rolled);
        }
        const nextLog = ok(kubectl(["-n", NS, "logs", `job/${next.metadata.name}`, "-c", "bake"]), "next bake log").stdout;
        assert.match(nextLog, /loop: unchanged: the dump holds the same data as the replicas' bake/, nextLog);
        assert.equal(annotation(), baked, "no roll");
        // Later steps compare the stack with Pulumi's state; no further bake may roll under them.
        ok(kubectl(["-n", NS, "patch", "cronjob", "app-rebake", "-p", '{"spec":{"suspend":true}}']), "suspend the loop");
        const reader = finished(CLIENT_NS, "roll-reader", 260);
        const counts = /ok=(\d+) fail=(\d+)/.exec(reader.out);
        assert.ok(counts, reader.out);
        // Reported, not asserted: see README "Real node" for what is known about reads lost while a pod joins.
        console.log(`      reader loop during the loop's rolls: ${counts[1]} reads, ${counts[2]} failed`);
        assert.ok(Number(counts[1]) > 100, "the reader kept reading through the roll");
    });

    it("4d. a bake that cannot push fails its Job with a clear message and leaves the replicas on their image", function () {
        const deploy = () => kjson(["-n", NS, "get", "deployment", "app-baked"]);
        const before = deploy();
        // New data, so the turn must bake (an unchanged dump would end the turn before the push).
        const w = psqlPod(CLIENT_NS, "writer", app.connectionSecret, `INSERT INTO loop_marks VALUES ('unpushed'); SELECT 1`, app.caCert);
        assert.equal(w.code, 0, w.stderr);
        // The loop's own Job, pointed at a port of the node's bridge where nothing listens.
        const cron = kjson(["-n", NS, "get", "cronjob", "app-rebake"]);
        const template = cron.spec.jobTemplate.spec.template;
        for (const c of template.spec.containers) {
            for (const e of c.env) if (e.name === "DBPLACE_REPOSITORY") e.value = "10.244.0.1:5999/dbplace/app-baked";
        }
        const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "e2e-bake-fails", namespace: NS }, spec: { backoffLimit: 0, template } };
        ok(kubectl(["apply", "-f", "-"], JSON.stringify(job)), "the failing bake Job");
        ok(kubectl(["-n", NS, "wait", "job/e2e-bake-fails", "--for=condition=Failed", "--timeout=300s"]), "the Job fails");
        const log = kubectl(["-n", NS, "logs", "job/e2e-bake-fails", "-c", "bake"]).out;
        assert.match(log, /loop: Cannot push 10\.244\.0\.1:5999\/dbplace\/app-baked:[0-9a-f]{16}: .*nothing was restored or pushed/, log);
        const after = deploy();
        assert.deepEqual(after.spec.template, before.spec.template, "the replicas' pod template is untouched");
        assert.equal(after.status.readyReplicas, 2, "both replicas still Ready");
        kubectl(["-n", NS, "delete", "job/e2e-bake-fails"]);
    });

    it("5. a second npm run up changes nothing", function () {
        ok(pulumi(["preview", "--expect-no-changes"]), "preview --expect-no-changes");
    });

    it("6. a protected placement change is refused; the claim and the rows survive", function () {
        const file = path.join(project, "stacks", `Pulumi.${STACK}.yaml`);
        const original = fs.readFileSync(file, "utf8");
        const claims = () => kjson(["-n", NS, "get", "pvc"]).items.map((c: { metadata: { uid: string } }) => c.metadata.uid).sort();
        const before = claims();
        try {
            // Another namespace replaces the StatefulSet: the preview inside npm run up refuses it.
            ok(pulumi(["config", "set", "--path", "dbplace:cluster.namespace", "db-moved"]), "config set");
            const r = cli(["up", STACK]);
            assert.notEqual(r.code, 0, "the change is refused");
            assert.match(r.out, /protect/i);
        } finally {
            fs.writeFileSync(file, original);
        }
        assert.deepEqual(claims(), before, "the same claims");
        const rows = psqlPod(CLIENT_NS, "writer", app.connectionSecret, "SELECT count(*) FROM e2e_writes", app.caCert);
        assert.equal(rows.stdout, "1", rows.stderr);
    });

    it("7. npm run down (after unprotecting) removes every object of the stack", function () {
        ok(pulumi(["config", "set", "dbplace:deletionProtection", "false"]), "unprotect");
        ok(cli(["up", STACK]), "npm run up (unprotect)");
        ok(cli(["down", STACK]), "npm run down");
        const left = kjson(["get", "all,pvc,secret,configmap,networkpolicy", "-A", "-l", "app.kubernetes.io/part-of=dbplace"]).items;
        assert.deepEqual(left.map((o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`), []);
    });

    it("8. a streaming standby serves a primary write within seconds and exports its lag", async function () {
        const STREAM = "node-streaming";
        fs.writeFileSync(path.join(project, "stacks", `Pulumi.${STREAM}.yaml`), `config:
  dbplace:cloud: local
  dbplace:placement: cluster
  dbplace:deletionProtection: false
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:exporterImage: dbplace/postgres-exporter:0.17.1
  dbplace:network: {allowedNamespaces: [shop]}
  dbplace:databases:
    ledger:
      replicas: {kind: streaming, count: 1}
`);
        try {
            ok(cli(["up", STREAM]), "npm run up (streaming)");
            const ledger: Contract = JSON.parse(ok(cli(["outputs", STREAM]), "outputs").stdout).ledger;
            assert.match(ledger.connectionSecret, /^postgresql:\/\/dbplace_app:[^@]+@ledger-rw\.db-ledger\.svc:5432\/ledger\?sslmode=verify-full$/);
            assert.match(ledger.readConnectionSecret, /^postgresql:\/\/dbplace_app:[^@]+@ledger-ro\.db-ledger\.svc:5432\/ledger\?sslmode=verify-full$/);
            const stamp = `w${Date.now()}`;
            const write = psqlPod(CLIENT_NS, "stream-writer", ledger.connectionSecret,
                `CREATE TABLE IF NOT EXISTS marks (v text); INSERT INTO marks VALUES ('${stamp}'); SELECT 1`, ledger.caCert);
            assert.equal(write.code, 0, write.stderr);
            const written = Date.now();
            // The standby answers through -ro; poll until the row is there. ($d$, not $$: Kubernetes turns $$
            // into $ in env values.)
            const read = psqlPod(CLIENT_NS, "stream-reader", ledger.readConnectionSecret,
                `DO $d$BEGIN FOR i IN 1..100 LOOP PERFORM 1 FROM marks WHERE v = '${stamp}'; IF FOUND THEN RETURN; END IF; PERFORM pg_sleep(0.1); END LOOP; RAISE 'not replicated'; END$d$; SELECT pg_is_in_recovery()`,
                ledger.caCert);
            assert.equal(read.code, 0, read.stderr);
            assert.equal(read.stdout, "t", "the read went to the standby");
            console.log(`      write visible on the standby within ${((Date.now() - written) / 1000).toFixed(1)} s (includes the reader pod's start)`);
            const [standby] = kjson(["-n", "db-ledger", "get", "pods", "-l", "app.kubernetes.io/component=streaming-replica"]).items;
            const port = standby.spec.containers.find((c: { name: string }) => c.name === "exporter").ports[0].containerPort;
            const metrics = await get(`http://${standby.status.podIP}:${port}/metrics`);
            assert.match(metrics, /^dbplace_replication_is_streaming\{[^}]*\} 1$/m, "the standby streams");
            assert.match(metrics, /^dbplace_replication_lag_seconds\{[^}]*\} [0-9.e+-]+$/m, "and exports its lag");
            // The standby follows as the replication role over TLS, its conninfo verifying the primary (issue 15).
            const repl = ok(kubectl(["-n", "db-ledger", "exec", "ledger-0", "-c", "postgres", "--", "psql", "-XAtq", "-U", "dbadmin", "-d", "ledger", "-c",
                "SELECT r.usename || ':' || s.ssl || ':' || r.state FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)"]), "pg_stat_replication").stdout.trim();
            assert.equal(repl, "replicator:true:streaming");
            const receiver = ok(kubectl(["-n", "db-ledger", "exec", standby.metadata.name, "-c", "postgres", "--", "psql", "-XAtq", "-U", "dbadmin", "-d", "ledger", "-c",
                "SELECT conninfo FROM pg_stat_wal_receiver"]), "pg_stat_wal_receiver").stdout.trim();
            assert.match(receiver, /user=replicator .*sslmode=verify-full/);
        } finally {
            cli(["down", STREAM]);
        }
    });
});
