// The cluster placement's pods, run for real: the StatefulSets the program renders (read from the mock
// runner's record, so what runs is what `pulumi up` would send) started in Docker from the project's
// base image with their user, env, init scripts and claims, the way a kubelet would.
import * as assert from "node:assert/strict";
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
import { BASE_IMAGE, ensureDockerAndBaseImage, removeImages, RUN_ID } from "./support/env";
import { claimVolume, execCode, LABEL, removeThisRun, runPodContainer, volumePath, waitFor } from "./support/pods";

const STS = "kubernetes:apps/v1:StatefulSet";
const STANDBYS = 20;
const PASSWORD = "primary-password-e2e";
const REPLICATION = "replication-password-e2e";
const secrets = { "app-credentials/password": PASSWORD, "app-credentials/replication-password": REPLICATION };
const tag = RUN_ID.replace(/[^a-z0-9]/gi, "").slice(-10).toLowerCase();

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

const podOf = (run: MockRun, name: string) => one(run, STS, name).inputs.spec.template.spec;
const initScripts = (run: MockRun) => ({ "app-init": one(run, "kubernetes:core/v1:ConfigMap", "app-init").inputs.data });
const sql = (container: string, query: string) => dockerOk(["exec", container, "psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-U", "dbadmin", "-d", "app", "-c", query]).then((s) => s.trim());

describe("cluster placement pods, run for real (docker)", function () {
    let network: string;
    let run: MockRun;

    before(async function () {
        ensureDockerAndBaseImage();
        network = `cd-${tag}`;
        await dockerOk(["network", "create", "--label", `${LABEL}=${RUN_ID}`, network]);
        run = await render();
    });
    after(removeThisRun);

    /** The primary (ordinal 0) as rendered, on a fresh claim; `options` can make its first start behave like another server. */
    async function primary(name: string, rendered = run, env: string[] = []): Promise<string> {
        const pod = podOf(rendered, "app-server");
        const claim = await claimVolume(`${name}-data`, BASE_IMAGE, pod.securityContext.fsGroup);
        const podWithEnv = env.length === 0 ? pod : {
            ...pod, containers: [{ ...pod.containers[0], env: [...pod.containers[0].env, ...env.map((e) => ({ name: e.split("=")[0], value: e.slice(e.indexOf("=") + 1) }))] }],
        };
        await runPodContainer({
            name, pod: podWithEnv, secrets, configMaps: initScripts(rendered), claims: { data: claim }, network, hostname: "app-0", aliases: [`${name}.db-app.svc`],
        });
        await waitFor(name, pod.containers[0].readinessProbe.exec.command, 30_000);
        return name;
    }

    /** Standby ordinal 0 of the rendered streaming StatefulSet, cloning from `primaryName`. */
    async function standby(name: string, claim: string, primaryName: string, rendered = run): Promise<string> {
        const pod = podOf(rendered, "app-streaming-standbys");
        const [db] = pod.containers;
        // The rendered script names the primary by its Service; this network answers that name with `primaryName`.
        const script = (db.command as string[])[2].split("app-rw.db-app.svc").join(`${primaryName}.db-app.svc`);
        return runPodContainer({
            name, pod, secrets, claims: { data: claim }, network, hostname: "app-replica-0", command: [db.command[0], db.command[1], script],
        });
    }

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

    it("a standby whose first clone was killed clones again and follows the primary (defect 1), on its own slot with senders for every standby (defect 5)", async () => {
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
    });

    it("standbys connect to a primary that stores passwords as md5, as PostgreSQL 13 does by default (defect 2)", async () => {
        // PGOPTIONS makes every session of the primary's first start use md5, which is what a PostgreSQL 13
        // server (default password_encryption = md5) does: the replication role's password is stored as md5.
        const p = await primary(`cd-md5-${tag}`, run, ["PGOPTIONS=-c password_encryption=md5"]);
        assert.match(await sql(p, "SELECT rolpassword FROM pg_authid WHERE rolname = 'replicator'"), /^md5/, "the role is stored as md5");
        const claim = await claimVolume(`cd-md5-standby-${tag}-data`, BASE_IMAGE, podOf(run, "app-streaming-standbys").securityContext.fsGroup);
        const s = await standby(`cd-md5-standby-${tag}`, claim, p);
        await waitFor(s, podOf(run, "app-streaming-standbys").containers[0].readinessProbe.exec.command, 60_000);
        assert.equal(await sql(s, "SELECT pg_is_in_recovery()"), "t");
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
        await runPodContainer({
            name: recovering, pod, secrets, configMaps: initScripts(run), claims: { data: `${name}-data` }, network, hostname: "app-0",
            command: ["bash", "-c", 'touch "$PGDATA/standby.signal" && exec postgres -c hot_standby=off'],
        });
        await waitFor(recovering, ["sh", "-c", "pg_isready -q -h 127.0.0.1 -p 5432; [ $? -eq 1 ]"], 30_000);
        assert.notEqual(await execCode(recovering, db.readinessProbe.exec.command), 0, "not ready: it answers no query");
        assert.equal(await execCode(recovering, db.livenessProbe.exec.command), 0, "alive: restarting it would only restart the recovery");
        await dockerOk(["exec", recovering, "pg_ctl", "-D", db.env.find((e: any) => e.name === "PGDATA").value, "-m", "immediate", "stop"]).catch(() => undefined);
        const idle = `${name}-idle`;
        await runPodContainer({ name: idle, pod, secrets, configMaps: initScripts(run), network, hostname: "app-0", claims: { data: `${name}-data` }, command: ["sleep", "60"] });
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
