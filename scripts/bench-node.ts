// npm run bench:node
//
// On the real node (tools/cluster): how long a new read replica takes from scheduled to Ready, a baked
// replica (the data is in its image) against a streaming standby (pg_basebackup of the primary). One
// stack, two databases: `baked` bakes the seed dump (2,000 rows), `streamed` has an empty primary, so its
// standby copies only the engine's own files (~40 MB): the floor of a streaming start. Prints figures;
// asserts nothing. Times come from the pods' own conditions.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiEnvironment } from "../lib/deploy/environment";
import { deployNeeds } from "../lib/deploy/needs";
import { overlay } from "../lib/deploy/overlay";
import { loadStackConfig, PROJECT_ROOT, readProject } from "../lib/stacks";

const STACK = "bench-node";
const SAMPLES = 3;

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
} finally {
    sh("pulumi", ["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", STACK], env, o.project);
    if (process.env.KEEP_CLUSTER !== "1") sh(path.join(PROJECT_ROOT, "tools/cluster/cluster.sh"), ["stop"]);
    fs.rmSync(o.work, { recursive: true, force: true });
}
