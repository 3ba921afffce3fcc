// Docker tier: attacks on the servers the docker placement deploys (same files, same entrypoint,
// uploaded the way the provider uploads them). Each attack has a control that succeeds, so a test
// cannot pass because nothing worked at all.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BAKED, bake, dumpFromMaster, scramVerifier } from "../../components/bake";
import { docker } from "../../components/bake/docker";
import { ROLES } from "../../components/security/postgres";
import { BASE_IMAGE, LABEL, RUN_ID, Started, ensureDockerAndBaseImage, removeImages, startWithFiles, tempDir, waitExec } from "./support/env";
import { SUPERUSER, Secrets, TlsConn, bakedContainer, makeSecrets, masterContainer, standbyContainer, tlsPsql } from "./support/secure";

const DB = "app";
const REPO = "dbplace-e2e/secure";
const probe = (db: string) => ["/usr/local/bin/dbplace-start", "probe", db];

describe("least privilege and TLS (docker)", function () {
    this.timeout(10 * 60_000);
    const work = tempDir("dbplace-e2e-sec");
    const net = `dbplace-e2e-sec-${RUN_ID}`;
    const otherNet = `dbplace-e2e-intruder-${RUN_ID}`;
    const alias = "app-master";
    let subnet: string;
    let s: Secrets;
    let master: Started;
    let standby: Started;
    let replica: Started;
    const app = (): TlsConn => ({ port: master.port, user: ROLES.app, password: s.app, database: DB, caFile: s.caFile });
    const name = (role: string) => `dbplace-e2e-sec-${role}-${RUN_ID}`;

    async function clientIn(network: string, host: string, conninfo: string, password: string): Promise<{ code: number; out: string }> {
        const r = await docker(["run", "--rm", "--label", `${LABEL}=${RUN_ID}`, "--network", network, "-e", `PGPASSWORD=${password}`,
            "-e", "PGCONNECT_TIMEOUT=5", "--entrypoint", "psql", BASE_IMAGE, `host=${host} ${conninfo}`, "-XAtqc", "SELECT 1"]);
        return { code: r.code, out: `${r.stdout}${r.stderr}` };
    }

    before(async function () {
        ensureDockerAndBaseImage();
        for (const n of [net, otherNet]) await docker(["network", "create", "--label", `${LABEL}=${RUN_ID}`, n]);
        subnet = (await docker(["network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", net])).stdout.trim();
        assert.match(subnet, /^\d+\.\d+\.\d+\.\d+\/\d+$/);
        s = makeSecrets(work, alias, "app-ro");
        const m = masterContainer(s, DB, subnet, true);
        master = await startWithFiles(name("master"), BASE_IMAGE, ["--network", net, "--network-alias", alias, ...m.args], m.files, m.cmd);
        await waitExec(master.name, probe(DB), 120_000);
        await tlsPsql(app(), "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, 'n' || g FROM generate_series(1, 100) g");
    });

    after(async function () {
        if (process.env.DBPLACE_E2E_KEEP) return;
        const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}=${RUN_ID}`])).stdout.split(/\s+/).filter(Boolean);
        if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
        for (const n of [net, otherNet]) await docker(["network", "rm", n]);
        await removeImages(REPO);
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("hands the application role its database and nothing more", async function () {
        assert.equal(await tlsPsql(app(), "SELECT rolsuper || ',' || rolcreaterole || ',' || rolcreatedb || ',' || rolreplication FROM pg_roles WHERE rolname = current_user"), "false,false,false,false");
        assert.equal(await tlsPsql(app(), `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${DB}'`), ROLES.app);
        assert.equal(await tlsPsql(app(), "SELECT count(*) FROM notes"), "100");
        for (const attack of [
            "SELECT pg_read_file('/etc/passwd')",
            "SELECT pg_ls_dir('/')",
            "COPY notes FROM '/etc/passwd'",
            "COPY notes TO '/tmp/x'",
            "COPY notes FROM PROGRAM 'id'",
            "CREATE ROLE intruder LOGIN SUPERUSER",
            "CREATE ROLE intruder LOGIN",
            "ALTER ROLE dbplace_app SUPERUSER",
            "CREATE EXTENSION dblink",
        ]) {
            await assert.rejects(tlsPsql(app(), attack), /permission denied|must be superuser|not allowed|pg_read_server_files|pg_execute_server_program|pg_write_server_files|CREATEROLE|to create role|to alter role|extension/i, attack);
        }
    });

    it("keeps the superuser off the network even with its password", async function () {
        await assert.rejects(tlsPsql({ ...app(), user: SUPERUSER, password: s.superuser }, "SELECT 1"), /no pg_hba\.conf entry/);
        await assert.rejects(tlsPsql({ ...app(), user: SUPERUSER, password: s.superuser, database: "postgres" }, "SELECT 1"), /no pg_hba\.conf entry/);
        // Over the socket, as the postgres OS user, it works: that is the only way in.
        const r = await docker(["exec", "-u", "postgres", master.name, "psql", "-U", SUPERUSER, "-d", DB, "-XAtqc", "SELECT current_setting('is_superuser')"]);
        assert.equal(r.stdout.trim(), "on", r.stderr);
    });

    it("refuses clients without TLS, with a wrong password, or outside the allow-list", async function () {
        await assert.rejects(tlsPsql({ ...app(), sslmode: "disable" }, "SELECT 1"), /no pg_hba\.conf entry.*no encryption/);
        await assert.rejects(tlsPsql({ ...app(), password: "wrong" }, "SELECT 1"), /password authentication failed/);
        await assert.rejects(tlsPsql({ ...app(), host: "localhost", caFile: path.join(work, "missing.crt") }, "SELECT 1"), /root certificate file .* does not exist|certificate/);
        // The master also joins a second network; a client there has the right password and TLS, and is refused.
        assert.equal((await docker(["network", "connect", otherNet, master.name])).code, 0);
        // Connecting a network re-publishes the container's ephemeral port on a new host port.
        master.port = Number(/127\.0\.0\.1:(\d+)/.exec((await docker(["port", master.name, "5432/tcp"])).stdout)?.[1]);
        const ip = (await docker(["inspect", "-f", `{{(index .NetworkSettings.Networks "${otherNet}").IPAddress}}`, master.name])).stdout.trim();
        const outside = await clientIn(otherNet, ip, `user=${ROLES.app} dbname=${DB} sslmode=require`, s.app);
        assert.notEqual(outside.code, 0, "a client outside the allow-list got in");
        assert.match(outside.out, /no pg_hba\.conf entry for host/);
        // Control: the same client on the database's network gets in.
        const inside = await clientIn(net, alias, `user=${ROLES.app} dbname=${DB} sslmode=require`, s.app);
        assert.equal(inside.code, 0, inside.out);
        // Back to one network, as the placement runs it (the host's port then arrives from its gateway again).
        assert.equal((await docker(["network", "disconnect", otherNet, master.name])).code, 0);
        master.port = Number(/127\.0\.0\.1:(\d+)/.exec((await docker(["port", master.name, "5432/tcp"])).stdout)?.[1]);
    });

    it("streams to a standby over TLS as the replication role, and every network client is encrypted", async function () {
        const st = standbyContainer(s, DB, subnet, alias);
        standby = await startWithFiles(name("standby"), BASE_IMAGE, ["--network", net, "--network-alias", "app-ro", ...st.args], st.files, st.cmd);
        await waitExec(standby.name, probe(DB), 120_000);
        await tlsPsql(app(), "INSERT INTO notes VALUES (1000, 'after the clone')");
        for (let i = 0; ; i++) {
            const got = await tlsPsql({ ...app(), port: standby.port }, "SELECT count(*) FROM notes WHERE id = 1000").catch(() => "0");
            if (got === "1") break;
            assert.ok(i < 100, "the standby never received the new row");
            await new Promise((r) => setTimeout(r, 100));
        }
        await assert.rejects(tlsPsql({ ...app(), port: standby.port }, "INSERT INTO notes VALUES (1001, 'x')"), /read-only/);
        const monitor = { ...app(), user: ROLES.monitor, password: s.monitor };
        const rows = await tlsPsql(monitor, `SELECT a.backend_type || ':' || a.usename || ':' || s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
            WHERE a.client_addr IS NOT NULL ORDER BY 1`);
        const list = rows.split("\n");
        assert.ok(list.includes(`walsender:${ROLES.replication}:true`), `no encrypted replication connection in ${rows}`);
        assert.ok(list.includes(`client backend:${ROLES.monitor}:true`), rows);
        assert.deepEqual(list.filter((l) => !l.endsWith(":true")), [], `unencrypted network clients: ${rows}`);
        // The replication role can stream and nothing else.
        await assert.rejects(tlsPsql({ ...app(), user: ROLES.replication, password: s.replication }, "SELECT 1"), /no pg_hba\.conf entry/);
    });

    it("serves a baked replica over TLS from a mounted certificate, read-only, password always required", async function () {
        const dump = await dumpFromMaster({ container: master.name, outFile: path.join(work, "app.pgdump") });
        const baked = await bake({ engine: "postgres", majorVersion: "15", dump, baseImage: BASE_IMAGE, database: DB, image: REPO,
            cacheDir: path.join(work, "cache"), readerVerifier: scramVerifier(s.reader), extraLabels: { [LABEL]: RUN_ID } });
        const b = bakedContainer(s);
        replica = await startWithFiles(name("replica"), baked.image, ["--network", net, ...b.args], b.files);
        await waitExec(replica.name, BAKED.readinessCommand(DB));
        const reader: TlsConn = { port: replica.port, user: BAKED.readerRole, password: s.reader, database: DB, caFile: s.caFile };
        assert.equal(await tlsPsql(reader, "SELECT count(*) FROM notes"), "101");
        assert.equal(await tlsPsql(reader, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"), "t");
        await assert.rejects(tlsPsql(reader, "INSERT INTO notes VALUES (2000, 'x')"), /read-only/);
        await assert.rejects(tlsPsql({ ...reader, sslmode: "disable" }, "SELECT 1"), /no pg_hba\.conf entry/);
        // No trust left, not even on loopback inside the container.
        const loop = await docker(["exec", "-u", "postgres", replica.name, "psql", "-w", "-h", "127.0.0.1", "-U", BAKED.readerRole, "-d", DB, "-XAtqc", "SELECT 1"]);
        assert.notEqual(loop.code, 0, "the reader got in on loopback without a password");
        // The certificate and key are not in the image: rotation needs no re-bake.
        const inImage = await docker(["run", "--rm", "--entrypoint", "sh", baked.image, "-c", "ls -A /etc/dbplace 2>/dev/null; grep -rl 'PRIVATE KEY' /var/lib/dbplace /usr/local/bin 2>/dev/null || true"]);
        assert.equal(inImage.stdout.trim(), "", `TLS material in the image: ${inImage.stdout}`);
        // A placement that mounts the certificate says TLS is required: without it the replica refuses to start.
        const noCert = await docker(["run", "--rm", "--label", `${LABEL}=${RUN_ID}`, "-e", "DBPLACE_TLS=required", baked.image]);
        assert.notEqual(noCert.code, 0);
        assert.match(noCert.stderr, /no TLS certificate/);
        // Placements that mount none yet (cluster, VMs) keep a serving replica, the reader's password required,
        // and a probe from a pod's unnamed uid passes through the reader on the socket.
        const plain = await startWithFiles(name("replica-plain"), baked.image, ["--network", net], []);
        await waitExec(plain.name, BAKED.readinessCommand(DB));
        const plainReader: TlsConn = { port: plain.port, user: BAKED.readerRole, password: s.reader, database: DB, caFile: s.caFile, sslmode: "disable" };
        assert.equal(await tlsPsql(plainReader, "SELECT count(*) FROM notes"), "101");
        await assert.rejects(tlsPsql({ ...plainReader, password: "wrong" }, "SELECT 1"), /password authentication failed/);
        const uidProbe = await docker(["exec", "-u", "999", plain.name, ...BAKED.readinessCommand(DB)]);
        assert.equal(uidProbe.code, 0, uidProbe.stderr);
        assert.match((await docker(["logs", plain.name])).stderr, /serving without TLS/);
    });

    it("sidecar mode listens on loopback only and needs the reader's password unless explicitly opted out", async function () {
        const image = (await docker(["inspect", "-f", "{{.Config.Image}}", replica.name])).stdout.trim();
        const side = await startWithFiles(name("sidecar"), image, ["--network", net, "--network-alias", "sidecar", "-e", "DBPLACE_LISTEN=loopback"], []);
        await waitExec(side.name, BAKED.readinessCommand(DB));
        const fromNet = await clientIn(net, "sidecar", `user=${BAKED.readerRole} dbname=${DB} sslmode=disable`, s.reader);
        assert.match(fromNet.out, /Connection refused|could not connect/, "the sidecar answered on its network address");
        const q = (pw: string) => docker(["exec", "-u", "postgres", "-e", `PGPASSWORD=${pw}`, side.name, "psql", "-w", "-h", "127.0.0.1", "-U", BAKED.readerRole, "-d", DB, "-XAtqc", "SELECT count(*) FROM notes"]);
        assert.notEqual((await q("")).code, 0, "no password, no entry");
        assert.equal((await q(s.reader)).stdout.trim(), "101");
        const trusting = await startWithFiles(name("sidecar-trust"), image, ["-e", "DBPLACE_LISTEN=loopback", "-e", "DBPLACE_LOOPBACK_TRUST=1"], []);
        await waitExec(trusting.name, BAKED.readinessCommand(DB));
        const t = await docker(["exec", "-u", "postgres", trusting.name, "psql", "-w", "-h", "127.0.0.1", "-U", BAKED.readerRole, "-d", DB, "-XAtqc", "SELECT 1"]);
        assert.equal(t.stdout.trim(), "1", t.stderr);
        const wide = await docker(["run", "--rm", "--label", `${LABEL}=${RUN_ID}`, "-e", "DBPLACE_LOOPBACK_TRUST=1", image]);
        assert.match(wide.stderr, /needs DBPLACE_LISTEN=loopback/);
    });

    it("leaves no password in any container's environment or logs, or in the baked image", async function () {
        const passwords = [s.superuser, s.app, s.monitor, s.replication, s.reader];
        for (const c of [master, standby, replica]) {
            const inspect = (await docker(["inspect", c.name])).stdout;
            const logs = await docker(["logs", c.name]);
            for (const p of passwords) {
                assert.ok(!inspect.includes(p), `a password is in docker inspect ${c.name}`);
                assert.ok(!logs.stdout.includes(p) && !logs.stderr.includes(p), `a password is in docker logs ${c.name}`);
            }
            // The uploaded originals are gone; only postgres-owned 0600 copies remain.
            const left = await docker(["exec", c.name, "sh", "-c", "ls -A /etc/dbplace/secrets 2>/dev/null; stat -c '%U %a' /var/run/postgresql/dbplace/* | sort -u"]);
            assert.equal(left.stdout.trim(), "postgres 600", left.stdout);
        }
        const image = (await docker(["inspect", "-f", "{{.Config.Image}}", replica.name])).stdout.trim();
        const history = (await docker(["history", "--no-trunc", image])).stdout + (await docker(["image", "inspect", image])).stdout;
        const saved = await docker(["run", "--rm", "--entrypoint", "sh", image, "-c", "cat /var/lib/dbplace/data/global/* /var/lib/dbplace/data/base/*/* 2>/dev/null | grep -a -c -F -e \"$1\" -e \"$2\" || true", "sh", s.reader, s.app]);
        for (const p of passwords) assert.ok(!history.includes(p), "a password is in docker history / image config");
        assert.equal(saved.stdout.trim(), "0", "a plaintext password is in the image's data files");
    });
});
