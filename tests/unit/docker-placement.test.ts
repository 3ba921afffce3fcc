import { execFileSync } from "node:child_process";
import { MYSQL_MASTER_START, MYSQL_MASTER_START_PATH } from "../../components/docker/mysql-master";
import * as assert from "node:assert/strict";
import { runProgram } from "../../lib/mock-runner";
import { loadStackConfig } from "../../lib/stacks";
import { expectConfigError, inventory, ofType, one } from "../helpers/resources";

const CONTAINER = "docker:index/container:Container";
const local = { cloud: "local", placement: "docker", engineVersion: "15", image: "dbplace/postgres:15" };
const run = (config: Record<string, unknown>, stack = "test") => runProgram({ stack, config });

describe("local/docker placement", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[]>][] = [
        ["no replicas", {}, {
            [CONTAINER]: ["app-exporter", "app-master"],
            "docker:index/volume:Volume": ["app-data"],
            "docker:index/network:Network": ["app-net"],
            "random:index/randomPassword:RandomPassword": ["app-app-password", "app-monitor-password", "app-password"],
            "random:index/randomBytes:RandomBytes": ["app-tls-ca-seed", "app-tls-server-seed"],
            "dbplace:tls:DatabaseTls": ["app-tls"],
        }],
        ["baked replicas from a dump", { replicas: { kind: "baked", count: 3, dump: "stacks/seed/app.dump", maxStalenessMinutes: 60 } }, {
            [CONTAINER]: ["app-baked-0", "app-baked-1", "app-baked-2", "app-exporter", "app-master"],
            "docker:index/remoteImage:RemoteImage": ["app-baked-image", "app-engine-image"],
        }],
        ["baked replicas with neither dump nor image: the empty database, baked", { replicas: { kind: "baked", count: 2 } }, {
            [CONTAINER]: ["app-baked-0", "app-baked-1", "app-exporter", "app-master"],
            "docker:index/remoteImage:RemoteImage": ["app-baked-image", "app-engine-image"],
        }],
        ["baked replicas from a pre-baked image", { replicas: { kind: "baked", count: 1, image: "dbplace/app-baked:abc" } }, {
            [CONTAINER]: ["app-baked-0", "app-exporter", "app-master"],
        }],
        ["streaming replicas", { replicas: { kind: "streaming", count: 2 } }, {
            [CONTAINER]: ["app-exporter", "app-master", "app-streaming-0", "app-streaming-1"],
            "random:index/randomPassword:RandomPassword": ["app-app-password", "app-monitor-password", "app-password", "app-replication-password"],
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await run({ ...local, deletionProtection: false, ...extra }));
            for (const [type, names] of Object.entries(expected)) assert.deepEqual(got[type], names, type);
        });
    }

    it("publishes every port on 127.0.0.1 only and passes passwords as secret files, never as env", async () => {
        const result = await run({ ...local, replicas: { kind: "streaming", count: 1 } });
        for (const c of ofType(result, CONTAINER)) {
            for (const p of c.inputs.ports ?? []) assert.equal(p.ip, "127.0.0.1", `${c.name} publishes ${JSON.stringify(p)}`);
            assert.ok(!JSON.stringify(c.inputs.envs ?? []).match(/PASSWORD=|DATA_SOURCE_NAME=/), `${c.name} has a password in its env`);
        }
        const master = one(result, CONTAINER, "app-master");
        const uploads = Object.fromEntries((master.inputs.uploads as { file: string; content: string }[]).map((u) => [u.file, u.content]));
        assert.deepEqual(Object.keys(uploads).sort(), [
            "/etc/dbplace/secrets/app.verifier", "/etc/dbplace/secrets/ca.crt", "/etc/dbplace/secrets/monitor.verifier",
            "/etc/dbplace/secrets/pg_hba.conf", "/etc/dbplace/secrets/pg_ident.conf", "/etc/dbplace/secrets/replication.verifier",
            "/etc/dbplace/secrets/roles.sql", "/etc/dbplace/secrets/server.crt", "/etc/dbplace/secrets/server.key",
            "/etc/dbplace/secrets/superuser.pass", "/usr/local/bin/dbplace-start",
        ]);
        assert.ok(master.secretPaths.some((p) => p.startsWith("uploads")), "the uploads must be secrets");
        // The master only ever sees SCRAM verifiers of the roles it creates.
        assert.match(uploads["/etc/dbplace/secrets/app.verifier"], /^SCRAM-SHA-256\$4096:/);
        assert.match(uploads["/etc/dbplace/secrets/server.key"], /^-----BEGIN PRIVATE KEY-----/);
        const hba = uploads["/etc/dbplace/secrets/pg_hba.conf"];
        assert.match(hba, /^local +all +dbadmin +peer map=dbplace$/m);
        assert.doesNotMatch(hba, /^host(ssl)? .*dbadmin/m, "the superuser must not log in over the network");
        assert.doesNotMatch(hba, /^host /m, "every network client must use TLS");
        assert.match(hba, /^hostssl +replication +replicator +samenet +scram-sha-256$/m);
        assert.equal(master.inputs.user, "root", "dbplace-start installs the secrets, then drops to postgres");
        assert.deepEqual(master.inputs.entrypoints, ["/usr/local/bin/dbplace-start", "master"]);
        const exporter = one(result, CONTAINER, "app-exporter");
        assert.deepEqual(exporter.inputs.envs, [
            "DATA_SOURCE_URI=app-master:5432/app?sslmode=verify-full&sslrootcert=/etc/dbplace/ca.crt",
            "DATA_SOURCE_USER=dbplace_monitor",
            "DATA_SOURCE_PASS_FILE=/etc/dbplace/monitor.pass",
        ]);
        const standby = one(result, CONTAINER, "app-streaming-0");
        assert.deepEqual(standby.inputs.entrypoints, ["/usr/local/bin/dbplace-start", "standby"]);
        assert.ok((standby.inputs.uploads as { file: string }[]).some((u) => u.file === "/etc/dbplace/secrets/replication.pgpass"));
    });

    it("runs a real query as the master's healthcheck and waits for it", async () => {
        const master = one(await run(local), CONTAINER, "app-master");
        assert.deepEqual(master.inputs.healthcheck.tests, ["CMD", "/usr/local/bin/dbplace-start", "probe", "app"]);
        assert.equal(master.inputs.wait, true);
        assert.deepEqual(master.inputs.volumes, [{ volumeName: "test-app-data", containerPath: "/var/lib/postgresql/data" }]);
    });

    it("protects the data volume unless deletion protection is off", async () => {
        const on = one(await run(local), "docker:index/volume:Volume", "app-data");
        assert.equal(on.protect, true);
        assert.equal(on.retainOnDelete, true);
        const off = one(await run({ ...local, deletionProtection: false }), "docker:index/volume:Volume", "app-data");
        assert.equal(off.protect, false);
        // Containers hold no data: replacing them must never be blocked.
        assert.equal(one(await run(local), CONTAINER, "app-master").protect, false);
    });

    it("bakes from the dump with a digest tag and runs replicas with no volumes", async () => {
        const result = await run({ ...local, replicas: { kind: "baked", count: 2, dump: "stacks/seed/app.dump" } });
        const image = one(result, "docker:index/remoteImage:RemoteImage", "app-baked-image");
        assert.match(image.inputs.name, /^dbplace\/test-app-baked:[0-9a-f]{16}$/);
        assert.equal(image.inputs.keepLocally, false, "a replaced bake is removed from the engine");
        assert.equal((image.inputs.build.value ?? image.inputs.build).networkMode, "none", "the restore runs with no network");
        assert.ok(image.secretPaths.some((p) => p.startsWith("build")), "the reader verifier build arg must stay secret");
        for (const c of ofType(result, CONTAINER).filter((c) => c.name.startsWith("app-baked-"))) assert.equal(c.inputs.image, image.inputs.name);
        for (const name of ["app-baked-0", "app-baked-1"]) {
            const c = one(result, CONTAINER, name);
            assert.equal(c.inputs.volumes, undefined, `${name} must not mount anything`);
            assert.deepEqual(c.inputs.networksAdvanced[0].aliases, ["app-ro"]);
            assert.equal(c.inputs.name, undefined, "auto-named so a roll can create before it deletes");
            assert.equal(c.deleteBeforeReplace, false);
        }
    });

    it("a new dump means a new tag and nothing else", async () => {
        // app-next.dump: the seed plus one row (stacks/seed/make-seed.sh "INSERT …" tests/fixtures/app-next.dump).
        const a = await run({ ...local, replicas: { kind: "baked", dump: "stacks/seed/app.dump" } });
        const b = await run({ ...local, replicas: { kind: "baked", dump: "tests/fixtures/app-next.dump" } });
        const tag = (r: typeof a) => one(r, "docker:index/remoteImage:RemoteImage", "app-baked-image").inputs.name;
        assert.notEqual(tag(a), tag(b));
        const strip = (r: typeof a) => JSON.stringify(ofType(r, CONTAINER).map((c) => ({ ...c.inputs, image: undefined })));
        assert.equal(strip(a), strip(b));
    });

    it("exports the same contract whatever the replicas", async () => {
        const result = await run({ ...local, replicas: { kind: "baked", count: 2, dump: "stacks/seed/app.dump" } });
        const app = result.outputs.databases.app;
        assert.deepEqual(Object.keys(app).sort(), ["caCert", "connectionSecret", "database", "engine", "host", "placement", "port", "readConnectionSecret", "readHost", "readPort", "username"]);
        assert.equal(app.host, "127.0.0.1");
        assert.equal(app.placement, "docker");
        assert.match(app.connectionSecret, /^postgresql:\/\/dbplace_app:[^@]+@127\.0\.0\.1:\d+\/app\?sslmode=verify-full$/);
        assert.match(app.readConnectionSecret, /^postgresql:\/\/dbplace_reader:[^@]+@127\.0\.0\.1:\d+\/app\?sslmode=verify-full$/);
        assert.equal(app.username, "dbplace_app");
        assert.match(app.caCert, /^-----BEGIN CERTIFICATE-----/);
        assert.notEqual(app.readPort, app.port, "reads go to a replica, not the master");
    });

    it("initialises mysql with the app user and no usable root password", async () => {
        const master = one(await run({ cloud: "local", placement: "docker", engine: "mysql" }), CONTAINER, "app-master");
        const envs = (master.inputs.envs as string[]).filter((e) => !e.startsWith("MYSQL_PASSWORD"));
        assert.deepEqual(envs.sort(), ["MYSQL_DATABASE=app", "MYSQL_RANDOM_ROOT_PASSWORD=yes", "MYSQL_ROOT_HOST=localhost", "MYSQL_USER=dbadmin"]);
        assert.deepEqual(master.inputs.ports, [{ internal: 3306, ip: "127.0.0.1" }]);
    });

    it("runs the mysql master TLS-only with the database's certificate, and hands out a string that verifies it", async () => {
        const result = await run({ cloud: "local", placement: "docker", engine: "mysql", image: "dbplace/mariadb:10.11" });
        const master = one(result, CONTAINER, "app-master");
        assert.deepEqual(master.inputs.entrypoints, [MYSQL_MASTER_START_PATH]);
        const uploads = master.inputs.uploads as { file: string; content: string }[];
        assert.deepEqual(uploads.map((u) => u.file).sort(), ["/etc/dbplace/secrets/ca.crt", "/etc/dbplace/secrets/server.crt", "/etc/dbplace/secrets/server.key", MYSQL_MASTER_START_PATH]);
        execFileSync("bash", ["-n"], { input: uploads.find((u) => u.file === MYSQL_MASTER_START_PATH)!.content });
        assert.match(MYSQL_MASTER_START, /--require-secure-transport=ON/);
        const app = result.outputs.databases.app;
        assert.match(app.connectionSecret, /^mysql:\/\/dbadmin:[^@]+@127\.0\.0\.1:\d+\/app\?ssl-mode=VERIFY_IDENTITY$/);
        assert.equal(app.caCert, uploads.find((u) => u.file.endsWith("/ca.crt"))!.content);
        assert.doesNotMatch(app.username, /^root$/);
    });

    it("two databases in one stack never collide", async () => {
        const result = await run({ cloud: "local", placement: "docker", databases: { orders: {}, catalog: { replicas: { kind: "streaming", count: 1 } } } });
        const names = result.resources.map((r) => `${r.type}::${r.name}`);
        assert.equal(new Set(names).size, names.length);
        const dockerNames = ofType(result, CONTAINER).map((c) => c.inputs.name).filter(Boolean);
        assert.equal(new Set(dockerNames).size, dockerNames.length);
        assert.deepEqual(Object.keys(result.outputs.databases).sort(), ["catalog", "orders"]);
    });

    it("the dev example stack plans offline", async () => {
        const result = await runProgram({ stack: "dev", config: loadStackConfig("dev") });
        assert.equal(ofType(result, CONTAINER).length, 4);
    });

    it("fails before registering anything when the dump is not a custom-format dump", async () => {
        await expectConfigError(() => run({ ...local, replicas: { kind: "baked", dump: "stacks/seed/app.sql" } }), /replicas.dump/, /app\.sql/);
    });
});
