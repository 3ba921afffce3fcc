// npm run bench:node
//
// npm run bench:node -- [--scale N]
//
// On the real node (tools/cluster), one stack, three databases:
// 1. how long a new read replica takes from scheduled to Ready, a baked replica (the data is in its image)
//    against a streaming standby (pg_basebackup of the primary): `baked` bakes the seed dump (2,000 rows),
//    `streamed` has an empty primary, so its standby copies only the engine's own files (~40 MB): the floor
//    of a streaming start;
// 2. one turn of the in-cluster bake loop at size: `looped` gets pgbench scale N (default 20, ~300 MB)
//    in its primary, then a marker row; a Job from its CronJob dumps, bakes, pushes and rolls; the figure is
//    marker write → every replica serves it, split into dump, bake (restore), roll, with the bake ÷ restore
//    ratio, and a replica's start from the bigger image.
// Prints figures; asserts nothing. Times come from the pods' own conditions and the Job's logs.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiEnvironment } from "../lib/deploy/environment";
import { deployNeeds } from "../lib/deploy/needs";
import { overlay } from "../lib/deploy/overlay";
import { loadStackConfig, PROJECT_ROOT, readProject } from "../lib/stacks";
import { parseArgs, stringOption } from "../lib/cli-args";

const STACK = "bench-node";
const SAMPLES = 3;
const SCALE_ARG = stringOption(parseArgs(process.argv.slice(2), { options: ["scale"] }), "scale", "20");
const SCALE = Number(SCALE_ARG);
if (!Number.isInteger(SCALE) || SCALE < 1 || SCALE > 200) throw new Error(`--scale must be a pgbench scale from 1 to 200 (20 ≈ 300 MB), got ${SCALE_ARG}`);

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string, input?: string) {
    const r = spawnSync(cmd, args, { env, cwd, input, encoding: "utf8", maxBuffer: 64 << 20 });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}
function must<T extends { code: number; out: string }>(r: T, what: string): T {
    if (r.code !== 0) throw new Error(`${what} failed:\n${r.out.slice(-3000)}`);
    return r;
}

const kubeconfig = must(sh(path.join(PROJECT_ROOT, "tools/cluster/cluster.sh"), ["start"]), "npm run cluster -- start").stdout.trim().split("\n").pop()!;
const kubectl = (args: string[], input?: string) => sh("kubectl", ["--kubeconfig", kubeconfig, ...args], process.env, undefined, input);
const kjson = (args: string[]) => JSON.parse(must(kubectl([...args, "-o", "json"]), `kubectl ${args.join(" ")}`).stdout);

interface Pod { metadata: { name: string }; status: { conditions?: { type: string; status: string; lastTransitionTime: string }[] } }

/** Scheduled → Ready of the pod `name`, from its conditions (second resolution, as the API keeps them). */
function readySeconds(ns: string, name: string): number {
    must(kubectl(["-n", ns, "wait", `pod/${name}`, "--for=condition=Ready", "--timeout=600s"]), `wait ${name}`);
    const p: Pod = kjson(["-n", ns, "get", "pod", name]);
    const t = (type: string) => Date.parse(p.status.conditions!.find((c) => c.type === type)!.lastTransitionTime);
    return (t("Ready") - t("PodScheduled")) / 1000;
}

function newPod(ns: string, selector: string, before: Set<string>): string {
    for (const until = Date.now() + 60000; Date.now() < until;) {
        const names = (kjson(["-n", ns, "get", "pods", "-l", selector]).items as Pod[]).map((p) => p.metadata.name).filter((n) => !before.has(n));
        if (names.length) return names[0];
        spawnSync("sleep", ["0.2"]);
    }
    throw new Error(`no new pod for ${selector} in ${ns}`);
}

const dump = path.join(PROJECT_ROOT, "stacks/seed/app.dump");

/** One turn of the loop at pgbench scale SCALE: marker write → every replica serves it. */
function loopTurn(): void {
    const ns = "db-looped";
    const psql = (sql: string) => must(kubectl(["-n", ns, "exec", "looped-0", "-c", "postgres", "--", "psql", "-XAtq", "-U", "dbadmin", "-d", "looped", "-c", sql]), sql).stdout.trim();
    // Room on two cores for the turn's pods (each small pod requests 250m): the first part's replicas go.
    must(kubectl(["-n", "db-streamed", "scale", "statefulset/streamed-replica", "--replicas=0"]), "scale standbys away");
    must(kubectl(["-n", "db-baked", "scale", "deployment/baked-baked", "--replicas=0"]), "scale baked replicas away");
    let t = Date.now();
    must(kubectl(["-n", ns, "exec", "looped-0", "-c", "postgres", "--", "pgbench", "-i", "-q", "-s", String(SCALE), "-U", "dbadmin", "looped"]), "pgbench -i");
    const size = Number(psql("SELECT pg_database_size('looped')"));
    console.log(`\nthe loop at pgbench scale ${SCALE}: database ${(size / 1e6).toFixed(0)} MB (loaded in ${((Date.now() - t) / 1000).toFixed(0)} s)`);
    const mark = `m${Date.now()}`;
    psql(`CREATE TABLE IF NOT EXISTS marks (v text); INSERT INTO marks VALUES ('${mark}')`);
    const written = Date.now();
    must(kubectl(["-n", ns, "create", "job", "bench-turn", "--from=cronjob/looped-rebake"]), "a turn of the loop");
    must(kubectl(["-n", ns, "wait", "job/bench-turn", "--for=condition=Complete", "--timeout=1200s"]), "the turn completes");
    const baked = Date.now();
    must(kubectl(["-n", ns, "rollout", "status", "deployment/looped-baked", "--timeout=600s"]), "the roll");
    const pods = (kjson(["-n", ns, "get", "pods", "-l", "app.kubernetes.io/component=baked-replica"]).items as (Pod & { metadata: { deletionTimestamp?: string } })[])
        .filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name);
    for (const p of pods) {
        for (t = Date.now(); ; spawnSync("sleep", ["0.5"])) {
            const r = kubectl(["-n", ns, "exec", p, "-c", "postgres", "--", "psql", "-XAtq", "-h", "/var/run/postgresql", "-U", "postgres", "-d", "looped", "-c", `SELECT v FROM marks WHERE v = '${mark}'`]);
            if (r.stdout.trim() === mark) break;
            if (Date.now() - t > 120000) throw new Error(`${p} does not serve the marker: ${r.out}`);
        }
    }
    const served = Date.now();
    const log = must(kubectl(["-n", ns, "logs", "job/bench-turn", "-c", "bake"]), "bake log").stdout;
    const dumpLog = must(kubectl(["-n", ns, "logs", "job/bench-turn", "-c", "dump"]), "dump log").stdout;
    const job = kjson(["-n", ns, "get", "job", "bench-turn"]);
    const m = /in ([0-9.]+) s \(restore ([0-9.]+) s, layer ([0-9.]+) s, push ([0-9.]+) s\)/.exec(log);
    const dumpBytes = Number(/dumped (\d+) bytes/.exec(dumpLog)?.[1] ?? NaN);
    const jobSeconds = (Date.parse(job.status.completionTime) - Date.parse(job.status.startTime)) / 1000;
    console.log(`  marker write → every replica serves it: ${((served - written) / 1000).toFixed(1)} s (no cron wait: the Job is started at once)`);
    console.log(`    Job (dump ${(dumpBytes / 1e6).toFixed(0)} MB + bake + push + roll request): ${jobSeconds.toFixed(0)} s (API times, 1 s resolution)`);
    if (m) console.log(`    bake ${m[1]} s = restore ${m[2]} s + layer ${m[3]} s + push ${m[4]} s + fixed; bake ÷ restore ${(Number(m[1]) / Number(m[2])).toFixed(2)}`);
    console.log(`    Job done → roll done and every replica serves: ${((served - baked) / 1000).toFixed(1)} s`);
    // A replica of the bigger image, replaced: the node has the image now, so this is start + readiness.
    const before = new Set(pods);
    must(kubectl(["-n", ns, "delete", "pod", pods[0], "--wait=false"]), "delete a looped replica");
    console.log(`  a replica of the ${(size / 1e6).toFixed(0)} MB image, scheduled → Ready: ${readySeconds(ns, newPod(ns, "app.kubernetes.io/instance=looped,app.kubernetes.io/component=baked-replica", before)).toFixed(1)} s`);
}
const stackFile = path.join(fs.mkdtempSync("/tmp/dbplace-bench-node-"), `Pulumi.${STACK}.yaml`);
fs.writeFileSync(stackFile, `config:
  dbplace:cloud: local
  dbplace:placement: cluster
  dbplace:deletionProtection: false
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:exporterImage: dbplace/postgres-exporter:0.17.1
  dbplace:databases:
    baked:
      replicas: {kind: baked, count: 1, dump: ${dump}, repository: 127.0.0.1:5000/dbplace/bench-baked}
    streamed:
      replicas: {kind: streaming, count: 2}
    looped:
      replicas: {kind: baked, count: 1, repository: 10.244.0.1:5000/dbplace/bench-looped, schedule: "0 0 1 1 *"}
`);
const o = overlay("dbplace-bench-node-", [stackFile]);
const needs = deployNeeds(STACK, loadStackConfig(STACK, o.project), readProject(o.project).name, o.project);
const env = { ...pulumiEnvironment(needs, { build: true }), PULUMI_BACKEND_URL: o.backend, DBPLACE_PROJECT_DIR: o.project, KUBECONFIG: kubeconfig };
const cli = (args: string[]) => sh(path.join(PROJECT_ROOT, "node_modules/.bin/ts-node"), ["-T", path.join(PROJECT_ROOT, "scripts/stack.ts"), ...args], env, o.project);

try {
    const t0 = Date.now();
    must(cli(["up", STACK]), "npm run up");
    console.log(`up (two databases, one bake): ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const results: Record<string, number[]> = { baked: [], streaming: [] };
    const bakedSel = "app.kubernetes.io/instance=baked,app.kubernetes.io/component=baked-replica";
    for (let i = 0; i < SAMPLES; i++) {
        // A baked replica replaced: the Deployment makes a new pod from the image alone.
        const pods = (kjson(["-n", "db-baked", "get", "pods", "-l", bakedSel]).items as Pod[]).map((p) => p.metadata.name);
        must(kubectl(["-n", "db-baked", "delete", "pod", pods[0], "--wait=false"]), "delete a baked replica");
        results.baked.push(readySeconds("db-baked", newPod("db-baked", bakedSel, new Set(pods))));

        // A streaming standby from nothing: scale the second one away with its claim, then back, so it
        // clones the primary again (within count: the WAL senders and slots are sized for it).
        must(kubectl(["-n", "db-streamed", "scale", "statefulset/streamed-replica", "--replicas=1"]), "scale standbys down");
        must(kubectl(["-n", "db-streamed", "wait", "pod/streamed-replica-1", "--for=delete", "--timeout=120s"]), "standby gone");
        // The standbys' claims go with a scale-down (whenScaled: Delete); wait until it is gone.
        kubectl(["-n", "db-streamed", "wait", "pvc/data-streamed-replica-1", "--for=delete", "--timeout=120s"]);
        must(kubectl(["-n", "db-streamed", "scale", "statefulset/streamed-replica", "--replicas=2"]), "scale standbys up");
        for (const until = Date.now() + 60000; kubectl(["-n", "db-streamed", "get", "pod", "streamed-replica-1"]).code !== 0 && Date.now() < until;) spawnSync("sleep", ["0.2"]);
        results.streaming.push(readySeconds("db-streamed", "streamed-replica-1"));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`\nscheduled → Ready on the real node, ${SAMPLES} samples each (median):`);
    console.log(`  baked replica     ${median(results.baked).toFixed(1)} s   (${results.baked.map((s) => s.toFixed(1)).join(", ")})`);
    console.log(`  streaming standby ${median(results.streaming).toFixed(1)} s   (${results.streaming.map((s) => s.toFixed(1)).join(", ")})`);
    console.log(`  ratio             ${(median(results.streaming) / Math.max(median(results.baked), 0.5)).toFixed(1)}× (conditions have 1 s resolution)`);
    loopTurn();
} finally {
    kubectl(["-n", "db-looped", "delete", "job", "bench-turn", "--ignore-not-found"]);
    sh("pulumi", ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", STACK], env, o.project);
    if (process.env.KEEP_CLUSTER !== "1") sh(path.join(PROJECT_ROOT, "tools/cluster/cluster.sh"), ["stop"]);
    fs.rmSync(o.work, { recursive: true, force: true });
}
