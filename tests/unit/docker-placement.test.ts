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
            "random:index/randomPassword:RandomPassword": ["app-password"],
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
            "random:index/randomPassword:RandomPassword": ["app-password", "app-replication-password"],
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await run({ ...local, deletionProtection: false, ...extra }));
            for (const [type, names] of Object.entries(expected)) assert.deepEqual(got[type], names, type);
        });
    }

    it("publishes every port on 127.0.0.1 only and keeps the password a secret", async () => {
        const result = await run({ ...local, replicas: { kind: "streaming", count: 1 } });
        for (const c of ofType(result, CONTAINER)) {
            for (const p of c.inputs.ports ?? []) assert.equal(p.ip, "127.0.0.1", `${c.name} publishes ${JSON.stringify(p)}`);
        }
        const master = one(result, CONTAINER, "app-master");
        assert.ok(master.secretPaths.some((p) => p.startsWith("envs")), "the password env must be passed as a secret");
        assert.ok(!JSON.stringify(master.inputs.envs).includes("POSTGRES_PASSWORD=\"\""));
        assert.ok(one(result, CONTAINER, "app-exporter").secretPaths.some((p) => p.startsWith("envs")));
    });

    it("runs a real query as the master's healthcheck and waits for it", async () => {
        const master = one(await run(local), CONTAINER, "app-master");
        assert.equal(master.inputs.healthcheck.tests[0], "CMD-SHELL");
        assert.match(master.inputs.healthcheck.tests[1], /psql .* -d app -tAc 'SELECT 1'/);
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
        assert.deepEqual(Object.keys(app).sort(), ["connectionSecret", "database", "engine", "host", "placement", "port", "readConnectionSecret", "readHost", "readPort", "username"]);
        assert.equal(app.host, "127.0.0.1");
        assert.equal(app.placement, "docker");
        assert.match(app.connectionSecret, /^postgresql:\/\/dbadmin:[^@]+@127\.0\.0\.1:\d+\/app$/);
        assert.match(app.readConnectionSecret, /^postgresql:\/\/dbplace_reader:[^@]+@127\.0\.0\.1:\d+\/app$/);
        assert.notEqual(app.readPort, app.port, "reads go to a replica, not the master");
    });

    it("initialises mysql with the app user and no usable root password", async () => {
        const master = one(await run({ cloud: "local", placement: "docker", engine: "mysql" }), CONTAINER, "app-master");
        const envs = (master.inputs.envs as string[]).filter((e) => !e.startsWith("MYSQL_PASSWORD"));
        assert.deepEqual(envs.sort(), ["MYSQL_DATABASE=app", "MYSQL_RANDOM_ROOT_PASSWORD=yes", "MYSQL_USER=dbadmin"]);
        assert.deepEqual(master.inputs.ports, [{ internal: 3306, ip: "127.0.0.1" }]);
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
