// npm run bench:up [-- --cold-bake]
//
// What `npm run up` costs on this machine for the dev stack's shape (a master and two baked replicas),
// on a private stack and backend in a temp dir: from nothing until both replicas answer, a no-op up, and
// a re-bake roll (a new dump from the master until every replica serves it). Prints figures; asserts
// nothing. --cold-bake empties BuildKit's cache first, so the first bake restores the dump for real.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BAKED } from "../components/bake";
import { pulumiEnvironment } from "../lib/deploy/environment";
import { deployNeeds } from "../lib/deploy/needs";
import { overlay } from "../lib/deploy/overlay";
import { loadStackConfig, PROJECT_ROOT, readProject } from "../lib/stacks";
import { parseArgs } from "../lib/cli-args";

const STACK = "bench-up";
const coldBake = parseArgs(process.argv.slice(2), { flags: ["cold-bake"], options: [] }).options["cold-bake"] === true;

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): { code: number; stdout: string; out: string; seconds: number } {
    const t0 = Date.now();
    const r = spawnSync(cmd, args, { env, cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    return { code: r.status ?? 1, stdout: r.stdout ?? "", out: `${r.stdout ?? ""}${r.stderr ?? ""}`, seconds: (Date.now() - t0) / 1000 };
}

function must<T extends { code: number; out: string }>(r: T, what: string): T {
    if (r.code !== 0) throw new Error(`${what} failed:\n${r.out.slice(-3000)}`);
    return r;
}

function replicaPorts(): number[] {
    const ids = sh("docker", ["ps", "-q", "--filter", `label=dbplace.io/stack=${STACK}`, "--filter", "label=dbplace.io/role=baked-replica"], process.env).out.split(/\s+/).filter(Boolean);
    return ids.map((id) => Number(sh("docker", ["port", id, String(BAKED.port)], process.env).out.trim().split("\n")[0].split(":").pop()));
}

function at(uri: string, port: number): string {
    const u = new URL(uri);
    u.port = String(port);
    return u.toString();
}

/** Seconds until every replica answers `sql` with `want` (polled every 100 ms), counted from `since`. */
function until(readUri: string, sql: string, want: (out: string) => boolean, since: number, count = 2): number {
    for (;;) {
        const ports = replicaPorts();
        const ok = ports.length === count && ports.every((p) => {
            const r = sh("psql", ["-XAtq", at(readUri, p), "-c", sql], { ...process.env, PGCONNECT_TIMEOUT: "2" });
            return r.code === 0 && want(r.out.trim());
        });
        if (ok) return (Date.now() - since) / 1000;
        if (Date.now() - since > 600_000) throw new Error("replicas did not serve the expected data within 10 minutes");
        spawnSync("sleep", ["0.1"]);
    }
}

/** The bake's own share, as the engine reports it: "RemoteImage app-baked-image created (12s)". */
function bakeSeconds(out: string): number | undefined {
    const m = /RemoteImage app-baked-image created(?: replacement)? \((\d+(?:\.\d+)?)s\)/.exec(out);
    return m ? Number(m[1]) : undefined;
}

function main(): void {
    // The dev stack's shape, written here so a locally edited stacks/Pulumi.dev.yaml cannot change the figures.
    const stackFile = path.join(os.tmpdir(), `Pulumi.${STACK}.yaml`);
    fs.writeFileSync(stackFile, `config:
  dbplace:cloud: local
  dbplace:placement: docker
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:exporterImage: dbplace/postgres-exporter:0.17.1
  dbplace:deletionProtection: false
  dbplace:replicas: {kind: baked, count: 2, dump: stacks/seed/app.dump, maxStalenessMinutes: 1440}
`);
    const o = overlay("dbplace-bench-up-", [stackFile]);
    const env = { ...process.env, PULUMI_BACKEND_URL: o.backend, DBPLACE_PROJECT_DIR: o.project };
    const cli = (...args: string[]) => sh(path.join(PROJECT_ROOT, "node_modules/.bin/ts-node"), ["-T", path.join(PROJECT_ROOT, "scripts/stack.ts"), ...args], env, o.project);
    const rows: [string, string, string][] = [];
    try {
        // Toolchain, dockerd and images first: the figures are for a machine that has deployed before.
        must(cli("up", STACK), "warm-up up");
        must(cli("down", STACK), "warm-up down");
        if (coldBake) must(sh("docker", ["builder", "prune", "-af"], process.env), "docker builder prune");

        const t0 = Date.now();
        const first = must(cli("up", STACK), "up from nothing");
        const app = JSON.parse(must(cli("outputs", STACK), "outputs").stdout).app;
        const ready = until(app.readConnectionSecret, "SELECT count(*) FROM products", (x) => Number(x) > 0, t0);
        rows.push(["up from nothing → both replicas answer", `${ready.toFixed(1)} s`, `≤ 60 s (bake ${bakeSeconds(first.out)?.toFixed(0) ?? "?"} s${coldBake ? ", cold BuildKit cache" : ", BuildKit cache warm"})`]);

        const noop = must(cli("up", STACK), "no-op up");
        rows.push(["no-op npm run up", `${noop.seconds.toFixed(1)} s`, "≤ 10 s"]);

        must(sh("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", app.connectionSecret, "-c", "CREATE TABLE bench_marker (at timestamptz); INSERT INTO bench_marker VALUES (now())"], process.env), "write");
        const dump = path.join(o.work, "next.dump");
        must(sh("pg_dump", ["-Fc", "--no-owner", "-f", dump, app.connectionSecret], process.env), "pg_dump");
        // The same pulumi (and environment) npm run up uses.
        const needs = deployNeeds(STACK, loadStackConfig(STACK, o.project), readProject(o.project).name, o.project);
        const pulumiEnv = { ...pulumiEnvironment(needs, { build: false }), PULUMI_BACKEND_URL: o.backend };
        must(sh("pulumi", ["config", "set", "--path", "dbplace:replicas.dump", dump, "--stack", STACK], pulumiEnv, o.project), "config set");
        const t1 = Date.now();
        const roll = must(cli("up", STACK), "roll");
        const served = until(app.readConnectionSecret, "SELECT count(*) FROM bench_marker", (x) => x === "1", t1);
        const bake = bakeSeconds(roll.out);
        rows.push(["re-bake roll: new dump → every replica serves it", `${served.toFixed(1)} s`, `≤ bake + 20 s = ${bake === undefined ? "?" : (bake + 20).toFixed(0)} s (bake ${bake?.toFixed(0) ?? "?"} s)`]);
    } finally {
        cli("down", STACK);
        fs.rmSync(o.work, { recursive: true, force: true });
        fs.rmSync(stackFile, { force: true });
    }
    const w = [Math.max(...rows.map((r) => r[0].length)), Math.max(...rows.map((r) => r[1].length))];
    console.log(`\nnpm run up, dev stack shape (master + 2 baked replicas), ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, load ${os.loadavg()[0].toFixed(1)}`);
    for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w[0])}  ${b.padStart(w[1])}   target ${c}`);
}

main();
