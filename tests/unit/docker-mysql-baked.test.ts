import * as assert from "node:assert/strict";
import { mysqlNativeHash } from "../../components/bake/mysql-context";
import { runProgram } from "../../lib/mock-runner";
import { expectConfigError, inventory, ofType, one } from "../helpers/resources";

const CONTAINER = "docker:index/container:Container";
const IMAGE = "docker:index/remoteImage:RemoteImage";
// tests/fixtures/app-mysql.sql: a real mariadb-dump --single-transaction --routines of a two-row table.
const mysql = { cloud: "local", placement: "docker", engine: "mysql", engineVersion: "8.0", image: "dbplace/mariadb:10.11", deletionProtection: false };
const run = (config: Record<string, unknown>) => runProgram({ stack: "test", config });
const baked = { kind: "baked", count: 2, dump: "tests/fixtures/app-mysql.sql", maxStalenessMinutes: 90 };

describe("local/docker placement: baked MySQL replicas", () => {
    it("bakes the mysqldump and runs volume-less replicas behind the read contract", async () => {
        const result = await run({ ...mysql, replicas: baked });
        const got = inventory(result);
        assert.deepEqual(got[CONTAINER], ["app-baked-0", "app-baked-1", "app-exporter", "app-master"]);
        assert.deepEqual(got[IMAGE], ["app-baked-image", "app-engine-image"]);
        const image = one(result, IMAGE, "app-baked-image");
        assert.match(image.inputs.name, /^dbplace\/test-app-baked:[0-9a-f]{16}$/);
        const build = image.inputs.build.value ?? image.inputs.build;
        assert.match(build.dockerfile, /\/bake\/contexts\/mysql-[0-9a-f]{16}-[0-9a-f]{8}\/Dockerfile$/);
        assert.equal(build.networkMode, "none");
        const args = build.buildArgs.value ?? build.buildArgs;
        assert.equal(args.ENGINE, "mysql");
        assert.equal(args.DATABASE, "app");
        assert.equal(args.BASE_IMAGE, "dbplace/mariadb:10.11");
        assert.equal(args.DUMPED_AT, "2026-11-29T13:54:26.000Z", "the dump's own completion time");
        assert.equal(args.READER_VERIFIER, undefined, "no SCRAM verifier for MySQL");
        assert.ok(image.secretPaths.some((p) => p.startsWith("build")), "the reader hash build arg must stay secret");

        const app = result.outputs.databases.app;
        const m = /^mysql:\/\/dbplace_reader:([^@]+)@127\.0\.0\.1:(\d+)\/app\?ssl-mode=REQUIRED$/.exec(app.readConnectionSecret);
        assert.ok(m, app.readConnectionSecret);
        // The image holds only the hash of the password the contract hands out.
        assert.equal(args.READER_HASH, mysqlNativeHash(decodeURIComponent(m[1])));
        assert.notEqual(app.readPort, app.port, "reads go to a replica, not the master");

        for (const c of ofType(result, CONTAINER).filter((c) => c.name.startsWith("app-baked-"))) {
            assert.equal(c.inputs.image, image.inputs.name);
            assert.equal(c.inputs.volumes, undefined, `${c.name} must not mount anything`);
            assert.deepEqual(c.inputs.ports, [{ internal: 3306, ip: "127.0.0.1" }]);
            assert.deepEqual(c.inputs.healthcheck.tests, ["CMD", "/usr/local/bin/dbplace-start", "probe", "app", "SELECT 1 FROM dbplace_bake LIMIT 1"]);
            assert.deepEqual(c.inputs.envs, ["DBPLACE_TLS=required"]);
            const files = (c.inputs.uploads as { file: string }[]).map((u) => u.file).sort();
            assert.deepEqual(files, ["/etc/dbplace/secrets/ca.crt", "/etc/dbplace/secrets/server.crt", "/etc/dbplace/secrets/server.key"]);
            assert.ok(c.secretPaths.some((p) => p.startsWith("uploads")));
            const labels = Object.fromEntries((c.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
            assert.ok(Object.values(labels).includes("90"), `the staleness declaration travels with the container: ${JSON.stringify(labels)}`);
        }
    });

    it("refuses a PostgreSQL dump for engine mysql before any resource, naming the key", async () => {
        await expectConfigError(() => run({ ...mysql, replicas: { ...baked, dump: "stacks/seed/app.dump" } }),
            /replicas\.dump/, /app\.dump/, /PostgreSQL custom-format dump but the bake spec says engine "mysql"/);
    });
});
