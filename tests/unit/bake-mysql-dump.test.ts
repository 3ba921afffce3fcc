import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BakeError, bakeDaemonless, prepareBakeContext } from "../../components/bake";
import { inspectMysqlDump, mysqlNativeHash } from "../../components/bake/mysql-context";
import { MYSQL_REPLICA_CNF } from "../../components/bake/restore-mysql";

const FIXTURE = "tests/fixtures/app-mysql.sql";
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-mysql-dump-"));
const write = (name: string, content: string | Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, content);
    return f;
};
const fails = (file: string, code: string, re: RegExp) =>
    assert.throws(() => inspectMysqlDump(file), (e: Error) => e instanceof BakeError && e.code === code && re.test(e.message));

describe("bake: mysqldump files", () => {
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads a real mariadb-dump: flavour, server version, database and completion time", () => {
        const i = inspectMysqlDump(FIXTURE);
        assert.equal(i.flavour, "MariaDB");
        assert.match(i.serverVersion ?? "", /^10\.11\.\d+-MariaDB/);
        assert.equal(i.database, "app");
        assert.equal(i.completedAt?.toISOString(), "2026-11-29T13:54:26.000Z");
    });

    it("refuses truncated, empty, compressed, PostgreSQL, foreign and multi-database files with the fix", () => {
        const full = fs.readFileSync(FIXTURE);
        fails(write("cut.sql", full.subarray(0, full.length - 60)), "dump-truncated", /truncated.*Dump completed/);
        fails(write("empty.sql", ""), "dump-format", /is empty/);
        fails(write("gz.sql", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0])), "dump-format", /gzip-compressed; decompress it/);
        fails(write("pg.dump", Buffer.concat([Buffer.from("PGDMP"), Buffer.alloc(64)])), "engine-mismatch", /PostgreSQL custom-format dump.*engine "postgres"/);
        fails(write("other.sql", "SELECT 1;\n-- Dump completed on 2026-01-01 00:00:00\n"), "dump-format", /not a mysqldump file/);
        const multi = full.toString("latin1").replace("-- Host: 127.0.0.1    Database: app", "-- Host: x\nCREATE DATABASE `app`;\nUSE `app`;");
        fails(write("multi.sql", Buffer.from(multi, "latin1")), "dump-format", /--databases or --all-databases/);
    });

    it("hashes the reader's password as mysql_native_password does", () => {
        // PASSWORD('password') on MySQL 5.7 / MariaDB.
        assert.equal(mysqlNativeHash("password"), "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
    });

    it("prepares a context whose build args and labels say mysql, and refuses what it cannot bake", () => {
        const cache = path.join(dir, "cache");
        const ctx = prepareBakeContext({ engine: "mysql", majorVersion: "10.11", dump: FIXTURE, baseImage: "dbplace/mariadb:10.11", database: "app",
            readerVerifier: mysqlNativeHash("pw") }, cache);
        assert.equal(ctx.labels["dbplace.bake.engine"], "mysql");
        assert.equal(ctx.labels["dbplace.bake.dump-digest"], ctx.digest);
        assert.equal(ctx.buildArgs.READER_HASH, mysqlNativeHash("pw"));
        const dockerfile = fs.readFileSync(ctx.dockerfile, "utf8");
        assert.match(dockerfile, /^FROM scratch$/m, "the base's VOLUME must not be inherited");
        const final = dockerfile.slice(dockerfile.indexOf("\nFROM scratch"));
        assert.doesNotMatch(final, /dump\.sql|^VOLUME/m, "the dump stays in the restore stage, and no VOLUME");
        assert.equal(fs.readFileSync(path.join(ctx.dir, "dump.sql"), "utf8"), fs.readFileSync(FIXTURE, "utf8"));
        const bad = (spec: object, re: RegExp) => assert.throws(() => prepareBakeContext({ engine: "mysql", majorVersion: "10.11", dump: FIXTURE,
            baseImage: "b", database: "app", ...spec }, cache), (e: Error) => e instanceof BakeError && e.code === "invalid-spec" && re.test(e.message));
        bad({ readerVerifier: "plaintext" }, /mysql_native_password hash/);
        bad({ restoreJobs: 4 }, /restoreJobs must be 1 for engine "mysql"/);
        bad({ database: "a.b" }, /database must be a MySQL database name/);
    });

    it("the daemonless baker says it bakes PostgreSQL only, and which baker takes MySQL", async () => {
        await assert.rejects(bakeDaemonless({ engine: "mysql", majorVersion: "10.11", dump: FIXTURE, baseImage: "dbplace/mariadb:10.11", database: "app",
            image: "x/y", cacheDir: path.join(dir, "cache") }),
        (e: Error) => e instanceof BakeError && e.code === "unsupported" && /PostgreSQL binaries only.*docker build baker/.test(e.message));
    });

    it("configures the replica server read-only with external locking off", () => {
        for (const line of ["read_only=ON", "loose-super-read-only=ON", "innodb_read_only=ON", "skip-external-locking", "skip-log-bin"])
            assert.match(MYSQL_REPLICA_CNF, new RegExp(`^${line}$`, "m"));
    });
});
