/**
 * Engine tier, docker placement: the real Pulumi CLI (offline toolchain) deploys through `npm run up`
 * (scripts/stack.ts) onto the real dockerd, and real PostgreSQL answers. Run through tools/engine/run.sh.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { BAKED } from "../../components/bake";
import { ok, overlay, printTimings, REPO, run, Run, runAsync } from "./support/project";

const STACK = "docker-e2e";
const LABEL = `dbplace.io/stack=${STACK}`;

interface Contract { host: string; port: number; readHost: string; readPort: number; database: string; username: string; connectionSecret: string; readConnectionSecret: string; caCert: string; placement: string; engine: string }

// The URIs say sslmode=verify-full; libpq verifies against the CA the contract hands out.
const CA_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-engine-ca-")), "root.crt");
function trustCa(c: Contract): Contract {
    assert.match(c.caCert, /^-----BEGIN CERTIFICATE-----/, "the contract carries the CA");
    fs.writeFileSync(CA_FILE, c.caCert);
    return c;
}

let project = "";
let work = "";
let env: NodeJS.ProcessEnv = {};

const cli = (args: string[]) => run(path.join(REPO, "node_modules/.bin/ts-node"), ["-T", path.join(REPO, "scripts/stack.ts"), ...args], { cwd: project, env });
const cliAsync = (args: string[]) => runAsync(path.join(REPO, "node_modules/.bin/ts-node"), ["-T", path.join(REPO, "scripts/stack.ts"), ...args], { cwd: project, env });
const pulumi = (args: string[]) => run("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: project, env });
const docker = (args: string[]) => run("docker", args);
const outputs = (): Record<string, Contract> => JSON.parse(ok(cli(["outputs", STACK]), "npm run outputs").stdout);

function psql(uri: string, sql: string): Run {
    return run("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", uri, "-c", sql], { env: { ...process.env, PGCONNECT_TIMEOUT: "3", PGSSLROOTCERT: CA_FILE } });
}

async function psqlAsync(uri: string, sql: string): Promise<Run> {
    return runAsync("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", uri, "-c", sql], { env: { ...process.env, PGCONNECT_TIMEOUT: "2", PGSSLROOTCERT: CA_FILE } });
}

/** Published 127.0.0.1 ports of the stack's containers with this role, from the engine itself. */
function ports(role: string, internal: number): number[] {
    const ids = ok(docker(["ps", "-q", "--filter", `label=${LABEL}`, "--filter", `label=dbplace.io/role=${role}`]), "docker ps").stdout.split(/\s+/).filter(Boolean);
    return ids.map((id) => Number(ok(docker(["port", id, String(internal)]), "docker port").stdout.trim().split("\n")[0].split(":").pop()));
}

/** The read URI pointed at one replica's port (the contract names one; every replica takes the same login). */
function atPort(uri: string, port: number): string {
    const u = new URL(uri);
    u.port = String(port);
    return u.toString();
}

function get(url: string): Promise<string> {
    return new Promise((resolve, reject) => http.get(url, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve(body));
    }).on("error", reject));
}

/**
 * Plays a client-side load balancer over the replicas currently running (re-listed every tick): each tick,
 * every 100 ms, tries them in turn until one answers; a tick where none answers is a failed read.
 */
class ReaderLoop {
    ticks = 0;
    failed = 0;
    errors: string[] = [];
    private stopped = false;
    private done?: Promise<void>;
    constructor(private readUri: string, private sql: string) {}
    start(): void {
        this.done = (async () => {
            while (!this.stopped) {
                const t = Date.now();
                this.ticks++;
                const members = (await runAsync("docker", ["ps", "-q", "--filter", `label=${LABEL}`, "--filter", "label=dbplace.io/role=baked-replica"])).stdout.split(/\s+/).filter(Boolean);
                let answered = false;
                for (const id of members) {
                    const p = (await runAsync("docker", ["port", id, String(BAKED.port)])).stdout.trim().split("\n")[0]?.split(":").pop();
                    if (!p) continue;
                    const r = await psqlAsync(atPort(this.readUri, Number(p)), this.sql);
                    if (r.code === 0) { answered = true; break; }
                    this.errors.push(r.stderr.trim());
                }
                if (!answered) this.failed++;
                await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - t))));
            }
        })();
    }
    async stop(): Promise<void> {
        this.stopped = true;
        await this.done;
    }
}

describe("engine tier: npm run up on local Docker (real engine, dockerd, PostgreSQL)", function () {
    const started = Date.now();
    let app: Contract;

    before(function () {
        assert.ok(process.env.DBPLACE_ENGINE_BIN, "run through tools/engine/run.sh (sources tools/engine/env.sh)");
        const o = overlay("dbplace-docker-e2e-", [path.join(__dirname, "stacks", `Pulumi.${STACK}.yaml`)]);
        ({ work, project } = o);
        env = { ...process.env, PULUMI_BACKEND_URL: o.backend, DBPLACE_PROJECT_DIR: project };
    });

    after(function () {
        this.timeout(300000);
        try {
            // Whatever a failed test left: unprotect, destroy, then remove anything still labelled.
            if (pulumi(["stack", "ls"]).out.includes(STACK)) {
                pulumi(["config", "set", "dbplace:deletionProtection", "false"]);
                pulumi(["up", "--yes", "--skip-preview"]);
                pulumi(["destroy", "--yes", "--skip-preview"]);
            }
            const left = docker(["ps", "-aq", "--filter", `label=${LABEL}`]).stdout.split(/\s+/).filter(Boolean);
            if (left.length) docker(["rm", "-f", ...left]);
        } finally {
            if (work && process.env.KEEP_TMP !== "1") fs.rmSync(work, { recursive: true, force: true });
            printTimings("docker engine tier", started);
        }
    });

    it("1. npm run up deploys a master and two baked replicas and prints how to connect", function () {
        const r = ok(cli(["up", STACK]), "npm run up");
        assert.match(r.stdout, new RegExp(`connect PGSSLROOTCERT=\\S+/${STACK}-app\\.crt psql "\\$\\(npm run -s outputs -- ${STACK} app\\.connectionSecret\\)"`));
        assert.match(r.stdout, new RegExp(`replica PGSSLROOTCERT=\\S+/${STACK}-app\\.crt psql "\\$\\(npm run -s outputs -- ${STACK} app\\.readConnectionSecret\\)"`));
        assert.doesNotMatch(r.stdout, /postgresql:\/\/[^"$]*:[^@"$]+@/, "no password in the terminal");
        app = trustCa(outputs().app);
        assert.deepStrictEqual([app.placement, app.engine, app.host, app.readHost], ["docker", "postgres", "127.0.0.1", "127.0.0.1"]);
        assert.strictEqual(ok(cli(["outputs", STACK, "app.connectionSecret"]), "outputs one key").stdout.trim(), app.connectionSecret);
    });

    it("2. the application writes through connectionSecret", function () {
        ok(psql(app.connectionSecret, "CREATE TABLE e2e_orders (id int PRIMARY KEY, note text); INSERT INTO e2e_orders VALUES (1, 'first')"), "write");
        assert.strictEqual(ok(psql(app.connectionSecret, "SELECT note FROM e2e_orders"), "read back").stdout.trim(), "first");
    });

    it("3. every baked replica serves the seed data read-only, with no volume", function () {
        const replicas = ports("baked-replica", BAKED.port);
        assert.strictEqual(replicas.length, 2, "two replica containers");
        assert.ok(replicas.includes(app.readPort), `the contract's read port ${app.readPort} is one of ${replicas}`);
        const counts = replicas.map((p) => ok(psql(atPort(app.readConnectionSecret, p), "SELECT (SELECT count(*) FROM categories) || '/' || (SELECT count(*) FROM products)"), `replica ${p}`).stdout.trim());
        assert.ok(/^[1-9]\d*\/[1-9]\d*$/.test(counts[0]), `seed rows: ${counts[0]}`);
        assert.deepStrictEqual(new Set(counts).size, 1, `replicas agree: ${counts}`);
        for (const p of replicas) {
            const w = psql(atPort(app.readConnectionSecret, p), "CREATE TABLE nope (x int)");
            assert.notStrictEqual(w.code, 0, "a write on a replica must fail");
            assert.match(w.stderr, /read-only/);
        }
        for (const id of docker(["ps", "-q", "--filter", `label=${LABEL}`, "--filter", "label=dbplace.io/role=baked-replica"]).stdout.split(/\s+/).filter(Boolean)) {
            assert.strictEqual(ok(docker(["inspect", "-f", "{{json .Mounts}}", id]), "inspect").stdout.trim(), "[]");
        }
    });

    it("4. the exporter answers pg_up 1", async function () {
        const [port] = ports("exporter", 9187);
        let body = "";
        for (let i = 0; i < 30 && !/^pg_up 1$/m.test(body); i++) {
            body = await get(`http://127.0.0.1:${port}/metrics`).catch(() => "");
            if (!/^pg_up 1$/m.test(body)) await new Promise((r) => setTimeout(r, 1000));
        }
        assert.match(body, /^pg_up 1$/m);
    });

    it("5. a second run changes nothing: preview --expect-no-changes, and npm run up is a no-op", function () {
        ok(pulumi(["preview", "--expect-no-changes", "--diff"]), "preview --expect-no-changes");
        const again = ok(cli(["up", STACK]), "second npm run up");
        assert.match(again.out, /\d+ unchanged/);
        assert.doesNotMatch(again.out, /\b\d+ (created|updated|deleted|replaced)\b|[+~-] \d+ to /, again.out.slice(-2000));
    });

    it("6. a new dump re-bakes and rolls the replicas while reads never fail", async function () {
        const dump = path.join(work, "next.dump");
        ok(run("pg_dump", ["-Fc", "--no-owner", "-f", dump, app.connectionSecret], { env: { ...process.env, PGSSLROOTCERT: CA_FILE } }), "pg_dump from the master");
        const before = new Set(ports("baked-replica", BAKED.port));
        ok(pulumi(["config", "set", "--path", "dbplace:replicas.dump", dump]), "config set replicas.dump");
        const loop = new ReaderLoop(app.readConnectionSecret, `SELECT count(*) FROM ${BAKED.metadataTable}`);
        loop.start();
        await new Promise((r) => setTimeout(r, 500));
        const up = await cliAsync(["up", STACK]);
        await new Promise((r) => setTimeout(r, 500));
        await loop.stop();
        ok(up, "npm run up (roll)");
        console.log(`      reader loop: ${loop.ticks} ticks, ${loop.failed} failed${loop.errors.length ? `; errors seen and retried: ${loop.errors.length}` : ""}`);
        assert.ok(loop.ticks >= 20, `the loop ran through the roll (${loop.ticks} ticks)`);
        assert.strictEqual(loop.failed, 0, `reads failed during the roll: ${loop.errors.slice(0, 3).join(" | ")}`);
        app = trustCa(outputs().app);
        const after = ports("baked-replica", BAKED.port);
        assert.strictEqual(after.length, 2);
        assert.ok(after.every((p) => !before.has(p)), "every replica was replaced");
        for (const p of after) {
            assert.strictEqual(ok(psql(atPort(app.readConnectionSecret, p), "SELECT note FROM e2e_orders WHERE id = 1"), `replica ${p}`).stdout.trim(), "first", "the new bake serves the master's data");
        }
        const images = ok(docker(["image", "ls", "--format", "{{.Repository}}:{{.Tag}}", `dbplace/${STACK}-app-baked`]), "images").stdout.trim().split("\n").filter(Boolean);
        assert.strictEqual(images.length, 1, `the replaced bake is removed: ${images}`);
    });

    it("7. with protection on, switching placement fails with Pulumi's protection error; the volume and rows survive", function () {
        ok(pulumi(["config", "set", "dbplace:deletionProtection", "true"]), "protect");
        ok(cli(["up", STACK]), "npm run up (protect)");
        const file = path.join(project, "stacks", `Pulumi.${STACK}.yaml`);
        const deployed = fs.readFileSync(file, "utf8");
        try {
            // A placement the machine can reach needs no cluster: cluster placement's preview only plans.
            ok(pulumi(["config", "set", "dbplace:placement", "cluster"]), "config set placement");
            ok(pulumi(["config", "set", "--path", "dbplace:replicas.kind", "none"]), "no replicas on the new placement");
            for (const k of ["dump", "count", "maxStalenessMinutes"]) pulumi(["config", "rm", "--path", `dbplace:replicas.${k}`]);
            const r = cli(["up", STACK]);
            assert.notStrictEqual(r.code, 0, `up should fail:\n${r.out.slice(-3000)}`);
            assert.match(r.out, /protect/i, r.out.slice(-3000));
            console.log(`      protection error: ${r.out.split("\n").find((l) => /protect/i.test(l))?.trim()}`);
        } finally {
            fs.writeFileSync(file, deployed);
        }
        ok(docker(["volume", "inspect", `${STACK}-app-data`]), "the data volume is still there");
        assert.strictEqual(ok(psql(app.connectionSecret, "SELECT note FROM e2e_orders"), "rows").stdout.trim(), "first");
        ok(pulumi(["preview", "--expect-no-changes"]), "back to the deployed config");
    });

    it("8. npm run down (after unprotecting) leaves no container, volume or network of the stack", function () {
        ok(pulumi(["config", "set", "dbplace:deletionProtection", "false"]), "unprotect");
        ok(cli(["up", STACK]), "npm run up (unprotect)");
        ok(cli(["down", STACK]), "npm run down");
        for (const kind of [["ps", "-aq"], ["volume", "ls", "-q"], ["network", "ls", "-q"]]) {
            const left = ok(docker([...kind, "--filter", `label=${LABEL}`]), kind.join(" ")).stdout.trim();
            assert.strictEqual(left, "", `${kind[0]} left behind: ${left}`);
        }
        assert.doesNotMatch(pulumi(["stack", "ls"]).out, new RegExp(`\\b${STACK}\\b`), "the stack is forgotten");
        assert.ok(fs.existsSync(path.join(project, "stacks", `Pulumi.${STACK}.yaml`)), "its config file stays");
    });
});
