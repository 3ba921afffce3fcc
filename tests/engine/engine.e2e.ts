/**
 * Engine tier: the REAL pulumi CLI (offline toolchain, tools/toolchain) with a local file backend, against a
 * kwok cluster this tier starts and always stops. Run through tools/engine/run.sh (`npm run test:e2e`).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";

const REPO = path.resolve(__dirname, "../..");
const TOOLCHAIN = path.join(REPO, "tools/toolchain");
const STACK = "e2e";
const BAD_STACK = "e2e-bad";
const NS = "db-app"; // cluster.namespace default: db-<name>
const OUR = "app.kubernetes.io/part-of=dbplace";
const timings: Array<[string, number]> = [];

interface Run { code: number; stdout: string; stderr: string; out: string }

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
    const t0 = Date.now();
    const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, encoding: "utf8", maxBuffer: 64 << 20 });
    const secs = (Date.now() - t0) / 1000;
    timings.push([`${cmd} ${args.join(" ")}`.slice(0, 110), secs]);
    if (r.error) throw r.error;
    const stdout = r.stdout ?? "", stderr = r.stderr ?? "";
    return { code: r.status ?? -1, stdout, stderr, out: `${stdout}\n${stderr}` };
}

function ok(r: Run, what: string): Run {
    if (r.code !== 0) assert.fail(`${what} exited ${r.code}:\n${r.out.slice(-6000)}`);
    return r;
}

let work = "";      // temp dir: project overlay, state, policy overlay
let project = "";   // project overlay (symlinks to the repo's sources)
let policyPack = ""; // policy pack overlay
let env: NodeJS.ProcessEnv = {};

const pulumi = (args: string[], stack = STACK) => run("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd: project, env });
const kubectl = (args: string[], input?: string) => run("kubectl", args, { env, input });
const kjson = (args: string[]) => JSON.parse(ok(kubectl([...args, "-o", "json"]), `kubectl ${args.join(" ")}`).stdout);

function sleep(ms: number) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

/** Static PVs of class dbplace-e2e: kwok has no provisioner, so the claims bind to these (Immediate binding). */
function storage(): string {
    const pv = (i: number) => `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: dbplace-e2e-pv-${i}, labels: {dbplace-e2e: pv}}
spec:
  capacity: {storage: 1Ti}
  accessModes: [ReadWriteOnce, ReadWriteMany, ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: dbplace-e2e
  hostPath: {path: /tmp/dbplace-e2e-pv-${i}}
`;
    return `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: dbplace-e2e}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
${[0, 1, 2, 3, 4, 5].map(pv).join("")}`;
}

describe("engine tier: real pulumi CLI against a kwok cluster", function () {
    const tierStart = Date.now();

    before(function () {
        env = { ...process.env };
        assert.ok(env.DBPLACE_KUBECONFIG, "run through tools/engine/run.sh (sources tools/engine/env.sh)");
        ok(run(path.join(TOOLCHAIN, "cluster.sh"), ["start"], { env }), "cluster.sh start");
        ok(kubectl(["apply", "-f", "-"], storage()), "create StorageClass + PVs");

        work = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-engine-"));
        fs.mkdirSync(path.join(work, "state"));
        env.PULUMI_BACKEND_URL = `file://${path.join(work, "state")}`;

        // Project overlay: the repo's sources by symlink (ts-node resolves them to the repo, so a fix in
        // components/ is what runs), our own Pulumi.yaml copy + stacks dir, so nothing in the repo is written.
        project = path.join(work, "project");
        fs.mkdirSync(path.join(project, "stacks"), { recursive: true });
        for (const f of ["components", "config.ts", "data", "index.ts", "lib", "node_modules", "package.json", "program.ts", "templates", "tsconfig.json"]) {
            if (fs.existsSync(path.join(REPO, f))) fs.symlinkSync(path.join(REPO, f), path.join(project, f));
        }
        // The policy shim, as a project analyzer plugin (PULUMI_IGNORE_AMBIENT_PLUGINS ignores PATH).
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8") +
            `\nplugins:\n  analyzers:\n    - name: policy-nodejs-engine-shim\n      path: ${env.DBPLACE_ENGINE_BIN}\n`);
        for (const s of [STACK, BAD_STACK]) {
            fs.copyFileSync(path.join(__dirname, "stacks", `Pulumi.${s}.yaml`), path.join(project, "stacks", `Pulumi.${s}.yaml`));
        }

        // Policy overlay: policy/ by symlink, but a runtime name with no language plugin, so the CLI uses the
        // legacy analyzer launcher instead of the custom language host's missing RunPlugin.
        policyPack = path.join(work, "policy");
        fs.mkdirSync(policyPack);
        for (const f of fs.readdirSync(path.join(REPO, "policy"))) {
            if (f !== "PulumiPolicy.yaml" && f !== "tsconfig.json") fs.symlinkSync(path.join(REPO, "policy", f), path.join(policyPack, f));
        }
        fs.symlinkSync(path.join(REPO, "node_modules"), path.join(policyPack, "node_modules"));
        // policy/tsconfig.json extends "../tsconfig.json", which must resolve from the real policy/ directory.
        fs.writeFileSync(path.join(policyPack, "tsconfig.json"), JSON.stringify({ extends: path.join(REPO, "policy/tsconfig.json") }));
        fs.writeFileSync(path.join(policyPack, "PulumiPolicy.yaml"),
            fs.readFileSync(path.join(REPO, "policy/PulumiPolicy.yaml"), "utf8").replace(/^runtime:.*$/m, "runtime: nodejs-engine-shim"));

        ok(pulumi(["stack", "init"]), "stack init");
        ok(pulumi(["stack", "init"], BAD_STACK), "stack init bad");
    });

    after(function () {
        this.timeout(300000);
        try {
            if (process.env.KEEP_CLUSTER !== "1") run(path.join(TOOLCHAIN, "cluster.sh"), ["stop"], { env });
        } finally {
            if (work && process.env.KEEP_TMP !== "1") fs.rmSync(work, { recursive: true, force: true });
            console.log(`\n  engine tier timings (total ${((Date.now() - tierStart) / 1000).toFixed(1)}s):`);
            for (const [c, s] of timings) if (s >= 1) console.log(`    ${s.toFixed(1).padStart(7)}s  ${c}`);
        }
    });

    it("1. pulumi up: database contract in the outputs, objects really in the API server", function () {
        ok(pulumi(["up", "--yes", "--skip-preview"]), "pulumi up");
        const dbs = JSON.parse(ok(pulumi(["stack", "output", "databases", "--json", "--show-secrets"]), "stack output").stdout);
        const app = dbs.app;
        assert.ok(app, `no database "app" in ${JSON.stringify(Object.keys(dbs))}`);
        assert.strictEqual(app.placement, "cluster");
        assert.strictEqual(app.engine, "postgres");
        assert.strictEqual(app.host, `app-rw.${NS}.svc`);
        assert.strictEqual(app.port, 5432);
        assert.strictEqual(app.readHost, `app-ro.${NS}.svc`);
        assert.strictEqual(typeof app.readPort, "number");
        for (const k of ["database", "username"]) assert.ok(typeof app[k] === "string" && app[k].length > 0, `${k}: ${app[k]}`);
        for (const [k, host] of [["connectionSecret", app.host], ["readConnectionSecret", app.readHost]]) {
            const u = new URL(app[k]);
            assert.match(u.protocol, /^postgres(ql)?:$/, `${k} scheme`);
            assert.strictEqual(u.hostname, host, `${k} host`);
            assert.ok(u.password.length >= 16, `${k} carries a password`);
            assert.strictEqual(u.pathname, `/${app.database}`, `${k} database`);
        }

        const sts = kjson(["-n", NS, "get", "statefulset", "app"]);
        assert.strictEqual(sts.metadata.labels["app.kubernetes.io/part-of"], "dbplace");
        for (const svc of ["app-headless", "app-rw", "app-ro"]) kjson(["-n", NS, "get", "service", svc]);
        const baked = kjson(["-n", NS, "get", "deployment", "-l", "app.kubernetes.io/component=baked-replica"]).items;
        assert.ok(baked.length >= 1, "a baked-replica Deployment");
        assert.strictEqual(baked[0].spec.template.spec.containers[0].image, "registry.internal/dbplace/app-baked:seed");
        assert.ok(kjson(["-n", NS, "get", "poddisruptionbudget", "-l", OUR]).items.length >= 1, "a PodDisruptionBudget");
        assert.ok(kjson(["-n", NS, "get", "networkpolicy", "-l", OUR]).items.length >= 1, "a NetworkPolicy");
        assert.ok(kjson(["-n", NS, "get", "cronjob", "-l", OUR]).items.length >= 1, "a dump CronJob");
        // The data claim is made by the StatefulSet controller from the volumeClaimTemplate, not by Pulumi.
        const pvc = kjson(["-n", NS, "get", "pvc", "data-app-0"]);
        assert.strictEqual(pvc.status.phase, "Bound");
        assert.ok((pvc.metadata.ownerReferences ?? []).every((o: { kind: string }) => o.kind !== "StatefulSet"), "claim retained (whenDeleted: Retain)");
    });

    it("2. a second preview has no changes (--expect-no-changes)", function () {
        ok(pulumi(["preview", "--expect-no-changes", "--diff"]), "pulumi preview --expect-no-changes");
    });

    it("2b. compare --preview lines up two deployed stacks (kwok cluster, local Docker) from real plans", function () {
        const DOCKER = "cmp-docker";
        fs.writeFileSync(path.join(project, "stacks", `Pulumi.${DOCKER}.yaml`), `config:
  dbplace:cloud: local
  dbplace:placement: docker
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:exporterImage: dbplace/postgres-exporter:0.17.1
  dbplace:deletionProtection: false
  dbplace:replicas: {kind: baked, count: 1, maxStalenessMinutes: 60}
`);
        ok(run(path.join(REPO, "tools/docker/base-image.sh"), [], { env }), "dockerd and the local images");
        ok(pulumi(["stack", "init"], DOCKER), "stack init");
        try {
            ok(pulumi(["up", "--yes", "--skip-preview"], DOCKER), "pulumi up (docker)");
            const compare = (format: string) => run(path.join(REPO, "node_modules/.bin/ts-node"),
                ["-T", path.join(REPO, "scripts/compare.ts"), "--preview", STACK, DOCKER, "--format", format], { cwd: project, env: { ...env, DBPLACE_PROJECT_DIR: project } });
            const doc = JSON.parse(ok(compare("json"), "compare --preview --format json").stdout);
            assert.strictEqual(doc.source, "preview");
            assert.deepStrictEqual(doc.stacks.map((s: { name: string; status: string }) => `${s.name}:${s.status}`), [`${STACK}:ok`, `${DOCKER}:ok`]);
            const placement = doc.summary.find((r: { key: string }) => r.key === "app/placement");
            assert.deepStrictEqual(placement?.values, { [STACK]: "cluster on local", [DOCKER]: "docker on local" });
            const only = (type: string) => doc.resources.filter((r: { type: string }) => r.type === type).map((r: { presentIn: string[] }) => r.presentIn.join(","));
            assert.ok(only("docker:index/container:Container").every((p: string) => p === DOCKER) && only("docker:index/container:Container").length >= 3, "the docker stack's containers, from its plan");
            assert.ok(only("kubernetes:apps/v1:StatefulSet").every((p: string) => p === STACK) && only("kubernetes:apps/v1:StatefulSet").length === 1, "the cluster stack's StatefulSet, from its plan");
            const text = ok(compare("terminal"), "compare --preview").stdout;
            assert.match(text, /cluster on local/);
            console.log(`      compare --preview: ${text.split("\n").length} lines; ${doc.stacks.map((s: { name: string; resourceCount: number }) => `${s.name} ${s.resourceCount} resources`).join(", ")}`);
        } finally {
            ok(pulumi(["destroy", "--yes", "--skip-preview"], DOCKER), "pulumi destroy (docker)");
            ok(pulumi(["stack", "rm", "--yes", "--preserve-config"], DOCKER), "stack rm (docker)");
        }
    });

    it("2c. a dump baked at up is pushed to a registry on 127.0.0.1 and the replicas run it by digest", async function () {
        const PUSH = "push-e2e";
        const regEnv = { ...env, DBPLACE_REGISTRY_PORT: "5055", DBPLACE_REGISTRY_DIR: path.join(work, "registry") };
        const registry = path.join(REPO, "tools/registry/registry.sh");
        const host = ok(run(registry, ["start"], { env: regEnv }), "npm run registry -- start").stdout.trim();
        const repository = `${host}/dbplace/${PUSH}-pushed`;
        fs.writeFileSync(path.join(project, "stacks", `Pulumi.${PUSH}.yaml`), `config:
  dbplace:cloud: local
  dbplace:placement: cluster
  dbplace:deletionProtection: false
  # The bake builds FROM the engine image: the locally built one, so nothing is pulled from a registry.
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:cluster: {prometheusOperator: false, storageClass: dbplace-e2e}
  dbplace:databases:
    pushed:
      replicas: {kind: baked, count: 1, dump: ${path.join(REPO, "stacks/seed/app.dump")}, repository: "${repository}", maxStalenessMinutes: 60}
`);
        ok(pulumi(["stack", "init"], PUSH), "stack init");
        try {
            ok(pulumi(["up", "--yes", "--skip-preview"], PUSH), "pulumi up (bake and push)");
            const [deploy] = kjson(["-n", "db-pushed", "get", "deployment", "-l", "app.kubernetes.io/component=baked-replica"]).items;
            const image: string = deploy.spec.template.spec.containers[0].image;
            const digest = new RegExp(`^${repository.replace(/[.]/g, "\\.")}@(sha256:[0-9a-f]{64})$`).exec(image)?.[1];
            assert.ok(digest, `the Deployment runs the pushed image by digest: ${image}`);
            // The registry itself serves that manifest: the push was real.
            const status = await new Promise<number>((resolve, reject) => http.get({
                host: "127.0.0.1", port: 5055, path: `/v2/dbplace/${PUSH}-pushed/manifests/${digest}`,
                headers: { Accept: "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json" },
            }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on("error", reject));
            assert.strictEqual(status, 200, `GET manifest ${digest} from ${host}`);
            ok(pulumi(["preview", "--expect-no-changes"], PUSH), "the same dump: no diff");
        } finally {
            ok(pulumi(["destroy", "--yes", "--skip-preview"], PUSH), "pulumi destroy (push)");
            ok(pulumi(["stack", "rm", "--yes", "--preserve-config"], PUSH), "stack rm (push)");
            run(registry, ["stop"], { env: regEnv });
        }
    });

    it("3. a placement change that would delete protected data fails with Pulumi's protection error", function () {
        // Moving the database to another namespace replaces the StatefulSet (docker.e2e.ts switches placement).
        const file = path.join(project, "stacks", `Pulumi.${STACK}.yaml`);
        const original = fs.readFileSync(file, "utf8");
        try {
            ok(pulumi(["config", "set", "--path", "dbplace:cluster.namespace", "db-moved"]), "config set");
            // With its preview, as npm run up runs it: the preview refuses the protected replacement before any
            // step runs. (Without it, creates in the missing namespace race the refusal and may fail first.)
            const r = pulumi(["up", "--yes"]);
            assert.notStrictEqual(r.code, 0, `up should fail:\n${r.out.slice(-3000)}`);
            assert.match(r.out, /(marked for protection|is protected|protect: true)/i, r.out.slice(-3000));
            const line = r.out.split("\n").find((l) => /protect/i.test(l));
            console.log(`      protection error: ${line?.trim()}`);
        } finally {
            fs.writeFileSync(file, original);
        }
        assert.ok(kjson(["-n", NS, "get", "statefulset", "app"]).metadata.name);
        assert.strictEqual(kjson(["-n", NS, "get", "pvc", "data-app-0"]).status.phase, "Bound");
        ok(pulumi(["preview", "--expect-no-changes"]), "back to the deployed config");
    });

    it("4. policy pack: nothing on the good stack, a violation on a bad one", function () {
        const good = pulumi(["preview", "--policy-pack", policyPack]);
        ok(good, "preview --policy-pack (good stack)");
        assert.doesNotMatch(good.out, /(mandatory|advisory|remediate)\b.*dbplace-/i, good.out.slice(-3000));
        assert.match(good.out, /Policies:|dbplace-guardrails/, `the pack ran:\n${good.out.slice(-3000)}`);
        const bad = pulumi(["preview", "--policy-pack", policyPack], BAD_STACK);
        assert.notStrictEqual(bad.code, 0, `bad stack should fail:\n${bad.out.slice(-3000)}`);
        assert.match(bad.out, /dbplace-baked-replica-max-staleness/, bad.out.slice(-3000));
        console.log(`      bad stack: ${bad.out.split("\n").filter((l) => /max-staleness|violation/i.test(l)).slice(0, 2).map((l) => l.trim()).join(" | ")}`);
    });

    it("5. destroy with protection off leaves nothing of ours in the API server", function () {
        ok(pulumi(["config", "set", "dbplace:deletionProtection", "false"]), "config set");
        ok(pulumi(["up", "--yes", "--skip-preview"]), "pulumi up (unprotect)");
        ok(pulumi(["destroy", "--yes", "--skip-preview"]), "pulumi destroy");
        let left: string[] = [];
        for (let i = 0; i < 60; i++) {
            const all = kjson(["get", "all,pvc,secret,configmap,networkpolicy,poddisruptionbudget,cronjob,namespace", "-A", "-l", OUR]).items;
            left = all.map((o: { kind: string; metadata: { namespace?: string; name: string } }) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`);
            const ns = kubectl(["get", "namespace", NS]);
            if (left.length === 0 && ns.code !== 0) return;
            sleep(2000);
        }
        assert.fail(`left behind: ${left.join(", ") || `namespace ${NS}`}`);
    });
});
