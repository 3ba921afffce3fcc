/**
 * Engine tier, the path platform teams take: `pulumi new` from templates/single-database, `npm install` of
 * the packed dbplace package, `pulumi up` on local Docker with baked replicas and no dump (the first bake
 * is the empty database the master starts as), a real connection, `pulumi destroy`.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BAKED } from "../../components/bake";
import { ok, printTimings, REPO, run } from "./support/project";

const PROJECT = "tpl-e2e";
const STACK = "tpl-e2e";
const LABEL = `dbplace.io/stack=${STACK}`;

describe("engine tier: a project made with pulumi new from templates/single-database deploys", function () {
    const started = Date.now();
    let work = "";
    let dir = "";
    let env: NodeJS.ProcessEnv = {};
    const pulumi = (args: string[]) => run("pulumi", [...args, "--non-interactive"], { cwd: dir, env });

    before(function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-template-e2e-"));
        dir = path.join(work, PROJECT);
        fs.mkdirSync(path.join(work, "state"));
        fs.mkdirSync(dir); // the commands run in it, `pulumi new` included
        // dockerd and the images the stack names (npm run up does this for the repository's own stacks).
        ok(run(path.join(REPO, "tools/docker/base-image.sh"), []), "tools/docker/base-image.sh");
        env = { ...process.env, PULUMI_BACKEND_URL: `file://${path.join(work, "state")}` };
    });

    after(function () {
        this.timeout(300000);
        try {
            if (dir && fs.existsSync(path.join(dir, "node_modules"))) pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK]);
            const left = run("docker", ["ps", "-aq", "--filter", `label=${LABEL}`]).stdout.split(/\s+/).filter(Boolean);
            if (left.length) run("docker", ["rm", "-f", ...left]);
        } finally {
            if (work && process.env.KEEP_TMP !== "1") fs.rmSync(work, { recursive: true, force: true });
            printTimings("template engine tier", started);
        }
    });

    it("1. pulumi new + npm install of the packed package", function () {
        ok(run("npm", ["pack", "--silent", "--pack-destination", work], { cwd: REPO }), "npm pack (builds bin/)");
        const tarball = fs.readdirSync(work).find((f) => /^dbplace-.*\.tgz$/.test(f));
        assert.ok(tarball, "npm pack wrote a tarball");
        ok(pulumi(["new", path.join(REPO, "templates", "single-database"), "--generate-only", "--yes", "--force",
            "--name", PROJECT, "--description", "template under test", "--dir", dir]), "pulumi new");
        // The dependencies come from npm's cache when `npm ci` of this repository filled it.
        ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", path.join(work, tarball!)], { cwd: dir }), "npm install");
    });

    it("2. pulumi up on local Docker with baked replicas and no dump", function () {
        ok(pulumi(["stack", "init", STACK]), "stack init");
        const config: [string, string][] = [
            ["cloud", "local"], ["placement", "docker"], ["engine", "postgres"], ["engineVersion", "15"],
            ["image", "dbplace/postgres:15"], ["exporterImage", "dbplace/postgres-exporter:0.17.1"],
            ["deletionProtection", "false"], ["replicas", '{"kind":"baked","count":1,"maxStalenessMinutes":60}'],
        ];
        for (const [k, v] of config) ok(pulumi(["config", "set", "--stack", STACK, `${PROJECT}:${k}`, v]), `config set ${k}`);
        ok(pulumi(["up", "--yes", "--stack", STACK]), "pulumi up");
        const out = JSON.parse(ok(pulumi(["stack", "output", "--json", "--show-secrets", "--stack", STACK]), "stack output").stdout);
        assert.strictEqual(out.placement, "docker");
        // The connection strings ask for sslmode=verify-full against the stack's own CA.
        const caFile = path.join(work, "ca.crt");
        fs.writeFileSync(caFile, out.caCert);
        const withCa = (cmd: string, args: string[]) => run(cmd, args, { env: { ...process.env, PGSSLROOTCERT: caFile } });
        ok(withCa("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", out.connectionSecret, "-c", "CREATE TABLE t (x int); INSERT INTO t VALUES (42)"]), "write as the application");
        const meta = ok(withCa("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", out.readConnectionSecret, "-c", `SELECT source FROM ${BAKED.metadataTable}`]), "read the replica").stdout.trim();
        assert.match(meta, /empty before its first dump/, "the first bake is of the empty database");
        const tables = ok(withCa("psql", ["-XAtq", out.readConnectionSecret, "-c", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"]), "replica tables").stdout.trim();
        assert.strictEqual(tables, "0", "the replica holds what the master held before the application wrote");
        ok(pulumi(["preview", "--expect-no-changes", "--stack", STACK]), "no diff on a second preview");
    });

    it("3. pulumi destroy leaves nothing of the stack in Docker", function () {
        ok(pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK]), "pulumi destroy");
        for (const kind of [["ps", "-aq"], ["volume", "ls", "-q"], ["network", "ls", "-q"]]) {
            assert.strictEqual(ok(run("docker", [...kind, "--filter", `label=${LABEL}`]), kind.join(" ")).stdout.trim(), "", `${kind[0]} left behind`);
        }
    });
});
