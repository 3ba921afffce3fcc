// The cluster placement's pods, run for real: the StatefulSets the program renders (read from the mock
// runner's record, so what runs is what `pulumi up` would send) started in Docker from the project's
// base image with their user, env, init scripts and claims, the way a kubelet would.
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bake, scramVerifier } from "../../components/bake";
import { docker, dockerOk } from "../../components/bake/docker";
import { bakedReplicaSidecar } from "../../components/cluster";
import { resolveStack } from "../../components/config";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { one } from "../helpers/resources";
import { BASE_IMAGE, ensureDockerAndBaseImage, removeImages, REPO_ROOT, RUN_ID } from "./support/env";
import { claimVolume, execCode, LABEL, removeThisRun, runPodContainer, volumePath, waitFor } from "./support/pods";

const STS = "kubernetes:apps/v1:StatefulSet";
const SECRET = "kubernetes:core/v1:Secret";
const STANDBYS = 20;
const tag = RUN_ID.replace(/[^a-z0-9]/gi, "").slice(-10).toLowerCase();
/** The names the primary answers on in its namespace: the `-rw` Service, and ordinal 0 behind the headless Service. */
const PRIMARY_ALIASES = ["app-rw.db-app.svc", "app-rw", "app-0.app-headless"];

/** The program's rendering of a cluster database with streaming standbys on the project's base image. */
function render(extra: Record<string, unknown> = {}): Promise<MockRun> {
    return runProgram({
        stack: "e2e",
        config: {
            cloud: "local", placement: "cluster", image: BASE_IMAGE, engineVersion: "15", deletionProtection: false,
            replicas: { kind: "streaming", count: STANDBYS }, ...extra,
        },
        program,
    });
}

const unsecret = (v: any) => (v && typeof v === "object" && "value" in v && Object.keys(v).length === 2 ? v.value : v);
const podOf = (run: MockRun, name: string) => one(run, STS, name).inputs.spec.template.spec;
/** Kubernetes ConfigMap name → its data (dbplace-start, the exporter's queries). */
const configMaps = (run: MockRun) => Object.fromEntries(run.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap")
    .map((r) => [r.inputs.metadata.name, r.inputs.data]));
/** Kubernetes Secret name → its files, as the program renders them (what the kubelet would mount). */
const secretVolumes = (run: MockRun) => Object.fromEntries(run.resources.filter((r) => r.type === SECRET)
    .map((r) => [r.inputs.metadata.name, unsecret(r.inputs.stringData)]));
/** The superuser over the unix socket, as the pod's user (peer authentication): the only way it logs in. */
const sql = (container: string, query: string) => dockerOk(["exec", container, "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-U", "dbadmin", "-d", "app", "-c", query]).then((s) => s.trim());

describe("cluster placement pods, run for real (docker)", function () {
    let run: MockRun;
    let work: string;
    let contract: { connectionSecret: string; readConnectionSecret: string; caCert: string; username: string };

    before(async function () {
        ensureDockerAndBaseImage();
        run = await render();
        contract = run.outputs.databases.app;
        work = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-e2e-cluster-"));
        fs.chmodSync(work, 0o755); // the client container reads the (public) CA as its own user
        fs.writeFileSync(path.join(work, "ca.crt"), contract.caCert, { mode: 0o644 });
    });
    after(async () => {
        await removeThisRun();
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    /** A network of its own per primary: each answers on the Service names its certificate carries. */
    async function network(name: string): Promise<string> {
        await dockerOk(["network", "create", "--label", `${LABEL}=${RUN_ID}`, `${name}-net`]);
        return `${name}-net`;
    }

    /** The primary (ordinal 0) as rendered, on `claim` (default: a fresh one). */
    async function primary(name: string, claim?: string): Promise<string> {
        const pod = podOf(run, "app-server");
        const data = claim ?? await claimVolume(`${name}-data`, BASE_IMAGE, pod.securityContext.fsGroup);
        const net = claim ? `${name}-net` : await network(name);
        await runPodContainer({
            name, pod, configMaps: configMaps(run), secretVolumes: secretVolumes(run), claims: { data }, network: net, hostname: "app-0", aliases: PRIMARY_ALIASES,
        });
        await waitFor(name, pod.containers[0].readinessProbe.exec.command, 60_000);
        return name;
    }

    /** Standby ordinal 0 of the rendered streaming StatefulSet, on the network of `primaryName`, its script as rendered. */
    async function standby(name: string, claim: string, primaryName: string): Promise<string> {
        return runPodContainer({
            name, pod: podOf(run, "app-streaming-standbys"), configMaps: configMaps(run), secretVolumes: secretVolumes(run), claims: { data: claim },
            network: `${primaryName}-net`, hostname: "app-replica-0", aliases: ["app-ro.db-app.svc"],
        });
    }

    /** psql in a client container on `net` with the contract's CA: the connection string decides the rest. */
    const client = (net: string, uri: string, query: string) => docker([
        "run", "--rm", "--label", `${LABEL}=${RUN_ID}`, "--network", net, "-e", "PGSSLROOTCERT=/work/ca.crt", "-e", "PGCONNECT_TIMEOUT=5",
        "-v", `${work}:/work:ro`, "--entrypoint", "psql", BASE_IMAGE, "-XAtq", "-v", "ON_ERROR_STOP=1", uri, "-c", query,
    ]);
    const withUser = (uri: string, user: string, password: string, params = "") => {
        const u = new URL(uri);
        u.username = user;
        u.password = password;
        if (params) u.search = params;
        return u.toString();
    };

    it("runs as the uid and gid the project's base image gives postgres (defect 13)", async () => {
        // initdb refuses a uid the image has no user for: the primary starting at all proves the pair.
        const p = await primary(`cd-uid-${tag}`);
        assert.equal(await sql(p, "SELECT current_setting('data_directory') IS NOT NULL"), "t");
        const uid = Number((await dockerOk(["run", "--rm", "--entrypoint", "id", BASE_IMAGE, "-u", "postgres"])).trim());
        const gid = Number((await dockerOk(["run", "--rm", "--entrypoint", "id", BASE_IMAGE, "-g", "postgres"])).trim());
        for (const set of ["app-server", "app-streaming-standbys"]) {
            const sc = podOf(run, set).securityContext;
            assert.deepEqual([sc.runAsUser, sc.runAsGroup, sc.fsGroup], [uid, gid, gid], `${set} must run as ${BASE_IMAGE}'s postgres`);
        }
    });

    it("hands out the application role over verified TLS, and the role cannot escape its database (issue 15)", async () => {
        const p = await primary(`cd-attack-${tag}`);
        const net = `${p}-net`;
        assert.equal(contract.username, "dbplace_app");
        const ok = await client(net, contract.connectionSecret,
            "SELECT current_user || ',' || s.ssl || ',' || r.rolsuper || ',' || r.rolcreaterole FROM pg_stat_ssl s, pg_roles r WHERE s.pid = pg_backend_pid() AND r.rolname = current_user");
        assert.equal(ok.code, 0, ok.stderr);
        assert.equal(ok.stdout.trim(), "dbplace_app,true,false,false", "the contract's string: the application role, encrypted, no superuser, no CREATEROLE");
        assert.equal((await client(net, contract.connectionSecret, "CREATE TABLE notes (id int); INSERT INTO notes VALUES (1); SELECT count(*) FROM notes")).stdout.trim(), "1");
        for (const attack of [
            "SELECT pg_read_file('/etc/passwd')",
            "SELECT pg_ls_dir('/var/run/postgresql/dbplace')",
            "COPY notes FROM '/var/run/postgresql/dbplace/superuser.pass'",
            "COPY notes TO '/tmp/x'",
            "COPY notes FROM PROGRAM 'id'",
            "CREATE ROLE intruder LOGIN",
            "ALTER ROLE dbplace_app SUPERUSER",
            "CREATE EXTENSION dblink",
        ]) {
            const r = await client(net, contract.connectionSecret, attack);
            assert.notEqual(r.code, 0, `${attack} succeeded`);
            assert.match(r.stderr, /permission denied|must be superuser|not allowed|pg_read_server_files|pg_execute_server_program|pg_write_server_files|to create role|to alter role|extension/i, attack);
        }
        // The server's name is checked: the same string to the pod's address fails verification.
        const ip = (await dockerOk(["inspect", "-f", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, p])).trim();
        const byIp = await client(net, contract.connectionSecret.replace("app-rw.db-app.svc", ip), "SELECT 1");
        assert.notEqual(byIp.code, 0);
        assert.match(byIp.stderr, /does not match host name/);
        // Cleartext is refused, with the right password.
        const plain = await client(net, withUser(contract.connectionSecret, "dbplace_app", new URL(contract.connectionSecret).password, "?sslmode=disable"), "SELECT 1");
        assert.match(plain.stderr, /no pg_hba\.conf entry .* no encryption/);
        // The superuser, with its password and TLS, is refused over the network (the -rw Service and loopback alike).
        const superPw = secretVolumes(run)["app-server"]["superuser.pass"];
        const asSuper = await client(net, withUser(contract.connectionSecret, "dbadmin", superPw), "SELECT 1");
        assert.match(asSuper.stderr, /no pg_hba\.conf entry for host .* user "dbadmin"/);
        const loop = await docker(["exec", "-e", `PGPASSWORD=${superPw}`, p, "psql", "-XAtqw", "-h", "127.0.0.1", "-U", "dbadmin", "-d", "app", "-c", "SELECT 1"]);
        assert.match(loop.stderr, /no pg_hba\.conf entry/);
        // The replication role streams and does nothing else.
        const repl = await client(net, withUser(contract.connectionSecret, "replicator", "x"), "SELECT 1");
        assert.match(repl.stderr, /no pg_hba\.conf entry/);
    });

    it("the exporter logs in as the pg_monitor role over verified TLS with its password from a file (issue 15)", async () => {
        const p = `cd-attack-${tag}`;
        const pod = podOf(run, "app-server");
        const exporter = pod.containers.find((c: any) => c.name === "exporter");
        assert.ok(!exporter.env.some((e: any) => e.valueFrom), "no secret in the exporter's environment");
        const name = `${p}-exporter`;
        // The project's build of the community exporter (the rendered default is a registry image this network cannot pull).
        execFileSync(path.join(REPO_ROOT, "tools", "docker", "exporter-image.sh"), { stdio: ["ignore", process.stderr, process.stderr] });
        await runPodContainer({
            name, pod: { ...pod, containers: [{ ...exporter, image: "dbplace/postgres-exporter:0.17.1" }] }, secretVolumes: secretVolumes(run), configMaps: configMaps(run),
            network: `container:${p}`, hostname: "app-0",
        });
        let metrics = "";
        for (let i = 0; i < 60 && !/^pg_up 1$/m.test(metrics); i++) {
            await new Promise((r) => setTimeout(r, 500));
            metrics = (await docker(["exec", p, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9187 && printf 'GET /metrics HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3"])).stdout;
        }
        assert.match(metrics, /^pg_up 1$/m, `the exporter reads the server: ${/^pg_up.*$/m.exec(metrics)?.[0]}\n${(await docker(["logs", "--tail", "20", name])).stderr}`);
        assert.equal(await sql(p, "SELECT string_agg(DISTINCT a.usename || ':' || s.ssl, ',') FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'dbplace_monitor'"), "dbplace_monitor:true");
        assert.equal(await sql(p, "SELECT pg_has_role('dbplace_monitor', 'pg_monitor', 'member') AND NOT rolsuper FROM pg_roles WHERE rolname = 'dbplace_monitor'"), "t");
    });

    it("a standby whose first clone was killed clones again and follows the primary (defect 1), on its own slot with senders for every standby (defect 5), as the replication role over TLS (issue 15)", async () => {
        const p = await primary(`cd-primary-${tag}`);
        assert.ok(Number(await sql(p, "SHOW max_wal_senders")) >= 2 * STANDBYS + 2, "each cloning standby holds two WAL senders");
        assert.ok(Number(await sql(p, "SHOW max_replication_slots")) >= STANDBYS, "a slot per standby");

        const claim = await claimVolume(`cd-standby-${tag}-data`, BASE_IMAGE, podOf(run, "app-streaming-standbys").securityContext.fsGroup);
        const dir = await volumePath(claim);
        const s1 = await standby(`cd-standby-${tag}-a`, claim, p);
        // Kill it as a probe or a drain would, mid-copy: as soon as the first file of the copy exists.
        const copying = () => fs.readdirSync(dir).some((d) => fs.existsSync(path.join(dir, d, "PG_VERSION")));
        const t0 = Date.now();
        while (!copying() && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 5));
        await dockerOk(["kill", s1]);
        const complete = fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, "global", "pg_control")));
        assert.ok(copying(), "the clone never started");
        assert.deepEqual(complete, [], "the clone finished before the kill; the test did not interrupt it");
        await dockerOk(["rm", s1]);

        // The pod's next container, on the same claim.
        const s2 = await standby(`cd-standby-${tag}-b`, claim, p);
        await waitFor(s2, podOf(run, "app-streaming-standbys").containers[0].readinessProbe.exec.command, 60_000);
        assert.equal(await sql(s2, "SELECT pg_is_in_recovery()"), "t");
        await sql(p, "CREATE TABLE IF NOT EXISTS written (id int); INSERT INTO written VALUES (42)");
        await waitFor(s2, ["psql", "-XAtq", "-U", "dbadmin", "-d", "app", "-c", "SELECT 1 FROM written WHERE id = 42", "-o", "/dev/null", "--set", "ON_ERROR_STOP=1"], 20_000);
        assert.equal(await sql(s2, "SELECT count(*) FROM written"), "1");
        assert.equal(await sql(p, "SELECT string_agg(slot_name, ',') FROM pg_replication_slots WHERE active"), "app_replica_0", "the standby streams through its own slot");
        assert.equal(await sql(p, "SELECT string_agg(r.usename || ':' || s.ssl, ',') FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)"), "replicator:true",
            "the replication connection is the replication role's, encrypted");
        assert.match(await sql(s2, "SELECT status || ' ' || conninfo FROM pg_stat_wal_receiver"), /^streaming .*user=replicator .*sslmode=verify-full/, "the standby follows over verified TLS");
        assert.equal(await sql(s2, "SELECT count(*) FROM pg_file_settings WHERE name = 'primary_conninfo'"), "0", "no connection (or password) left in the data directory");
        // Readers of the standby: the contract's read string, verified against the `-ro` name.
        const read = await client(`${p}-net`, contract.readConnectionSecret, "SELECT current_user || ':' || pg_is_in_recovery() || ':' || (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())");
        assert.equal(read.stdout.trim(), "dbplace_app:true:true", read.stderr);
    });

    it("a volume initialised before least privilege (superuser in the contract, md5 roles, no TLS) upgrades in place and keeps its rows (issue 15; defect 2)", async () => {
        const name = `cd-upgrade-${tag}`;
        const pod = podOf(run, "app-server");
        const claim = await claimVolume(`${name}-data`, BASE_IMAGE, pod.securityContext.fsGroup);
        const net = await network(name);
        // What the pods rendered before this change ran: the image's entrypoint with the superuser's password in the
        // environment, a replication role created at initdb with PostgreSQL 13's default md5, and the application's
        // tables made by the superuser (the contract handed it out).
        const old = `${name}-old`;
        await dockerOk(["run", "-d", "--name", old, "--label", `${LABEL}=${RUN_ID}`, "--network", net, "--user", `${pod.securityContext.runAsUser}:${pod.securityContext.runAsGroup}`,
            "-v", `${claim}:/var/lib/postgresql/data:nocopy`, "-e", "PGDATA=/var/lib/postgresql/data/pgdata", "-e", "POSTGRES_USER=dbadmin", "-e", "POSTGRES_DB=app",
            "-e", "POSTGRES_PASSWORD=old-superuser-password", "-e", "PGOPTIONS=-c password_encryption=md5", BASE_IMAGE, "postgres"]);
        await waitFor(old, ["psql", "-XAtq", "-U", "dbadmin", "-d", "app", "-c", "SELECT 1"], 60_000);
        await sql(old, "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD 'old-replication-password'");
        await sql(old, "CREATE TABLE orders (id serial PRIMARY KEY, total int); INSERT INTO orders (total) SELECT g FROM generate_series(1, 500) g; CREATE VIEW big AS SELECT * FROM orders WHERE total > 250");
        assert.match(await sql(old, "SELECT rolpassword FROM pg_authid WHERE rolname = 'replicator'"), /^md5/);
        await dockerOk(["stop", old]);
        await dockerOk(["rm", old]);

        // The new rendering on the same claim.
        const p = await primary(name, claim);
        assert.equal(await sql(p, "SELECT count(*) FROM orders"), "500", "no row lost");
        assert.equal(await sql(p, "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relname IN ('orders', 'orders_id_seq', 'big')"), "dbplace_app",
            "the superuser's tables, sequence and view now belong to the application role");
        assert.equal(await sql(p, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'"), "dbplace_app");
        assert.match(await sql(p, "SELECT rolpassword FROM pg_authid WHERE rolname = 'replicator'"), /^SCRAM-SHA-256\$/, "the replication role's md5 password became the SCRAM verifier");
        const r = await client(net, contract.connectionSecret, "INSERT INTO orders (total) VALUES (1) RETURNING (SELECT count(*) FROM big)");
        assert.equal(r.stdout.trim(), "250", r.stderr);
        const oldWay = await client(net, "postgresql://dbadmin:old-superuser-password@app-rw.db-app.svc:5432/app?sslmode=prefer", "SELECT 1");
        assert.match(oldWay.stderr, /no pg_hba\.conf entry/, "the old superuser string no longer works");
        // A standby clones the upgraded primary.
        const sclaim = await claimVolume(`${name}-standby-data`, BASE_IMAGE, podOf(run, "app-streaming-standbys").securityContext.fsGroup);
        const s = await standby(`${name}-standby`, sclaim, p);
        await waitFor(s, podOf(run, "app-streaming-standbys").containers[0].readinessProbe.exec.command, 60_000);
        assert.equal(await sql(s, "SELECT count(*) FROM orders"), "501");
    });

    it("liveness passes while postgres is up but rejecting connections (recovery), and fails with no server (defect 12)", async () => {
        const pod = podOf(run, "app-server");
        const [db] = pod.containers;
        const name = `cd-live-${tag}`;
        await primary(name);
        assert.equal(await execCode(name, db.livenessProbe.exec.command), 0, "alive when serving");
        await dockerOk(["stop", name]);
        await dockerOk(["rm", name]);
        // The same data directory, kept in recovery with connections refused until it is consistent (here: forever).
        const recovering = `${name}-recovery`;
        const base = { pod, configMaps: configMaps(run), secretVolumes: secretVolumes(run), network: `${name}-net`, hostname: "app-0", claims: { data: `${name}-data` } };
        await runPodContainer({ ...base, name: recovering, command: ["bash", "-c", 'touch "$PGDATA/standby.signal" && exec postgres -c hot_standby=off'] });
        await waitFor(recovering, ["sh", "-c", "pg_isready -q -h 127.0.0.1 -p 5432; [ $? -eq 1 ]"], 30_000);
        assert.notEqual(await execCode(recovering, db.readinessProbe.exec.command), 0, "not ready: it answers no query");
        assert.equal(await execCode(recovering, db.livenessProbe.exec.command), 0, "alive: restarting it would only restart the recovery");
        await dockerOk(["exec", recovering, "pg_ctl", "-D", db.env.find((e: any) => e.name === "PGDATA").value, "-m", "immediate", "stop"]).catch(() => undefined);
        const idle = `${name}-idle`;
        await runPodContainer({ ...base, name: idle, command: ["sleep", "60"] });
        assert.notEqual(await execCode(idle, db.livenessProbe.exec.command), 0, "dead when nothing answers");
    });
});

describe("cluster baked replica pods, run for real (docker)", function () {
    const REPO = "dbplace/e2e-cluster-baked";
    const image = "registry.example.com/app-baked:seed";
    let network: string;
    let service: MockRun;
    let baked: string;
    let readerPw: string;
    let work: string;

    before(async function () {
        ensureDockerAndBaseImage();
        network = `cdb-${tag}`;
        await dockerOk(["network", "create", "--label", `${LABEL}=${RUN_ID}`, network]);
        service = await runProgram({
            stack: "e2e", program,
            config: { cloud: "local", placement: "cluster", deletionProtection: false, replicas: { kind: "baked", count: 2, image } },
        });
        const reader = one(service, "kubernetes:core/v1:Secret", "app-baked-reader").inputs.stringData;
        readerPw = (reader.value ?? reader).password;
        work = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-e2e-cluster-baked-"));
        fs.chmodSync(work, 0o755); // the client container reads the (public) CA as its own user
        // What `npm run bake` makes from the seed dump, on its default base: what replicas.image names.
        baked = (await bake({
            engine: "postgres", majorVersion: "15", dump: path.resolve("stacks/seed/app.dump"), baseImage: BASE_IMAGE, database: "app",
            source: "e2e cluster", image: REPO, cacheDir: path.join(work, "cache"), readerVerifier: scramVerifier(readerPw), extraLabels: { [LABEL]: RUN_ID },
        })).image;
    });
    after(async () => {
        await removeThisRun();
        await removeImages(REPO);
        if (work) fs.rmSync(work, { recursive: true, force: true });
    });

    const client = (name: string, args: string[], env: Record<string, string> = {}) => docker([
        "run", "--rm", "--name", name, "--label", `${LABEL}=${RUN_ID}`, "--network", network,
        ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), "-v", `${work}:/work:ro`, "--entrypoint", "psql", BASE_IMAGE, ...args,
    ]);

    it("serves the baked data as the image's user, over TLS that verifies against the contract's CA by the Service name (defects 13, 7, 8; issue 15)", async () => {
        const deploy = one(service, "kubernetes:apps/v1:Deployment", "app-baked-deploy");
        const pod = deploy.inputs.spec.template.spec;
        const tlsData = one(service, "kubernetes:core/v1:Secret", "app-baked-tls").inputs.stringData;
        const name = `cdb-replica-${tag}`;
        await runPodContainer({
            name, pod: { ...pod, containers: [{ ...pod.containers[0], image: baked }] }, network, hostname: "app-baked-1",
            aliases: ["app-ro.db-app.svc"], secretVolumes: { "app-replica-tls": tlsData.value ?? tlsData },
        });
        await waitFor(name, pod.containers[0].readinessProbe.exec.command, 30_000);
        assert.equal(await execCode(name, pod.containers[0].lifecycle.preStop.exec.command.slice(0, 1).concat("0")), 0, "the preStop's command exists in the image");
        fs.writeFileSync(path.join(work, "ca.crt"), service.outputs.databases.app.caCert, { mode: 0o644 });
        const uri = service.outputs.databases.app.readConnectionSecret as string;
        assert.match(uri, /sslmode=verify-full$/);
        const r = await client(`cdb-client-${tag}`, ["-XAtq", uri, "-c", "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", "-c", "SELECT count(*) > 0 FROM products"], { PGSSLROOTCERT: "/work/ca.crt" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), ["t", "t"], "encrypted, and the seed's rows are there");
        const shm = (await dockerOk(["exec", name, "df", "-m", "/dev/shm"])).trim().split("\n")[1].split(/\s+/)[1];
        assert.equal(shm, "128", "a /dev/shm of the rendered size");
    });

    it("a sidecar listens on loopback only, and asks the reader for its password there (issue 15)", async () => {
        const [spec] = resolveStack({ cloud: "local", placement: "cluster", replicas: { kind: "baked", count: 1, image, mode: "sidecar" } }).databases;
        const container: any = bakedReplicaSidecar({ spec, image: baked });
        const name = `cdb-sidecar-${tag}`;
        await runPodContainer({ name, pod: { containers: [container] }, network, hostname: "shop-1" });
        await waitFor(name, container.readinessProbe.exec.command, 30_000);
        const local = (pw?: string) => docker(["exec", ...(pw ? ["-e", `PGPASSWORD=${pw}`] : []), name, "psql", "-XAtqw", "-h", "127.0.0.1", "-U", "dbplace_reader", "-d", "app", "-c", "SELECT 1"]);
        assert.equal((await local(readerPw)).stdout.trim(), "1", "the application in the pod reads over 127.0.0.1");
        assert.notEqual((await local()).code, 0, "no password, no read");
        const ip = (await dockerOk(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name])).trim();
        const remote = await client(`cdb-remote-${tag}`, ["-XAtq", `postgresql://dbplace_reader:${readerPw}@${ip}:5432/app?connect_timeout=3`, "-c", "SELECT 1"]);
        assert.notEqual(remote.code, 0, "another pod cannot reach the sidecar");
        assert.match(remote.stderr, /refused/);
    });
});
