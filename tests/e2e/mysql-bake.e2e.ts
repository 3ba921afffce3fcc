// Docker tier: a real MariaDB master (Debian's 10.11; the base image is built locally by
// tools/docker/mariadb-base-image.sh), mysqldump --single-transaction, bake, two volume-less replicas that
// serve exactly the dump, refuse writes from the reader and from root, and report their age.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BakeError, BakeResult, bake } from "../../components/bake";
import { docker, dockerOk, run } from "../../components/bake/docker";
import { BAKED_MYSQL } from "../../components/bake/restore-mysql";
import { mysqlNativeHash } from "../../components/bake/mysql-context";
import { LABEL, REPO_ROOT, RUN_ID, startWithFiles, tempDir, waitExec } from "./support/env";
import { bakedContainer, makeSecrets } from "./support/secure";

const BASE = process.env.DBPLACE_MARIADB_IMAGE ?? "dbplace/mariadb:10.11";
const REPO = "dbplace-e2e/mariadb-app";
const DB = "app";
const ROOT_PW = "root-secret";
const READER_PW = "reader-secret";

const SEED = `
CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, note TEXT NULL, balance DECIMAL(12,2)) ENGINE=InnoDB;
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL, placed DATETIME(6) NOT NULL,
  payload BLOB, KEY (customer_id), FOREIGN KEY (customer_id) REFERENCES customers(id)) ENGINE=InnoDB;
INSERT INTO customers
  SELECT seq, CONCAT('customer ', seq, IF(seq % 7 = 0, ' – ünïcödé ✓', '')), IF(seq % 5 = 0, NULL, CONCAT('it''s "quoted"\\\\', seq)), seq * 1.25
  FROM seq_1_to_2000;
INSERT INTO orders (customer_id, placed, payload)
  SELECT 1 + seq % 2000, '2026-01-01' + INTERVAL seq MINUTE, UNHEX(SHA2(seq, 256)) FROM seq_1_to_20000;
`;

/** Every row of every table, in key order: what "exactly the same data" means here. */
const SNAPSHOT = "SELECT 'customers', COUNT(*), SUM(CRC32(CONCAT_WS('|', id, name, IFNULL(note, '<null>'), balance))) FROM customers " +
  "UNION ALL SELECT 'orders', COUNT(*), SUM(CRC32(CONCAT_WS('|', id, customer_id, placed, HEX(payload)))) FROM orders";

describe("baked MySQL replicas on docker (MariaDB 10.11)", function () {
  this.timeout(10 * 60_000);
  const work = tempDir("dbplace-mysql-e2e");
  const cacheDir = path.join(work, "cache");
  const master = `dbplace-e2e-mariadb-master-${RUN_ID}`;
  const replicas = [1, 2].map((i) => `dbplace-e2e-mariadb-replica-${RUN_ID}-${i}`);
  let baked: BakeResult;
  let atDump = "";
  let dumpFile = "";
  let cliImage = "";

  const exec = async (container: string, args: string[], input?: string) => docker(["exec", "-i", container, ...args], { input });
  const rootSql = (sql: string) => exec(master, ["mariadb", "-uroot", `-p${ROOT_PW}`, "-N", "-B", DB], sql);
  const ipOf = async (c: string) => (await dockerOk(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", c])).trim();
  /** A network client: the master container's mariadb client against a replica's address. */
  // The second replica runs as DockerBakedMysqlReplicas runs it: certificate uploaded, TLS required.
  const tlsReplica = replicas[1];
  const tls = makeSecrets(work, "app-master", "app-ro");
  const overNetwork = async (replica: string, user: string, password: string, sql: string) =>
    exec(master, ["mariadb", "--no-defaults", ...(replica === tlsReplica ? ["--ssl"] : []), "-h", await ipOf(replica), "-P", String(BAKED_MYSQL.port),
      "-u", user, `-p${password}`, "-N", "-B", DB, "-e", sql]);

  before(async function () {
    execFileSync(path.join(REPO_ROOT, "tools", "docker", "ensure-dockerd.sh"), { stdio: "inherit" });
    execFileSync(path.join(REPO_ROOT, "tools", "docker", "mariadb-base-image.sh"), { stdio: "inherit" });
    await dockerOk(["run", "-d", "--name", master, "--label", `${LABEL}=${RUN_ID}`, "-e", `MARIADB_ROOT_PASSWORD=${ROOT_PW}`,
      "-e", `MARIADB_DATABASE=${DB}`, BASE]);
    await waitExec(master, ["mariadb", "-uroot", `-p${ROOT_PW}`, "-e", "SELECT 1"]);
    const seeded = await rootSql(SEED);
    assert.equal(seeded.code, 0, seeded.stderr);
    atDump = (await rootSql(SNAPSHOT)).stdout;
    dumpFile = path.join(work, "app.sql");
    // Byte for byte into the file (the BLOBs are binary), as a dump job would write it.
    const fd = fs.openSync(dumpFile, "w");
    try {
      execFileSync("docker", ["exec", master, "mariadb-dump", "-uroot", `-p${ROOT_PW}`, "--single-transaction", DB], { stdio: ["ignore", fd, "pipe"] });
    } finally {
      fs.closeSync(fd);
    }
    // Writes after the dump: replicas must not have them.
    const later = await rootSql("INSERT INTO customers VALUES (999999, 'after the dump', NULL, 0); UPDATE orders SET payload = NULL WHERE id <= 10;");
    assert.equal(later.code, 0, later.stderr);
    assert.notEqual((await rootSql(SNAPSHOT)).stdout, atDump);
  });

  after(async function () {
    const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}=${RUN_ID}`])).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
    const imgs = (await docker(["image", "ls", "-q", "--filter", `label=${LABEL}=${RUN_ID}`])).stdout.split(/\s+/).filter(Boolean);
    if (imgs.length) await docker(["image", "rm", "-f", ...new Set(imgs)]);
    if (cliImage) await docker(["image", "rm", "-f", cliImage]);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("bakes the dump into an image with the bake labels and no volume", async function () {
    baked = await bake({
      engine: "mysql", majorVersion: "10.11", dump: dumpFile, baseImage: BASE, database: DB, source: "e2e mariadb master",
      image: REPO, cacheDir, readerVerifier: mysqlNativeHash(READER_PW), extraLabels: { [LABEL]: RUN_ID },
    });
    console.log(`      bake ${baked.seconds.toFixed(1)} s (restore ${baked.restoreSeconds?.toFixed(1)} s), dump ${(fs.statSync(dumpFile).size / 1e6).toFixed(1)} MB, ` +
      `data dir ${((baked.dataDirBytes ?? 0) / 1e6).toFixed(1)} MB`);
    const cfg = JSON.parse(await dockerOk(["image", "inspect", "-f", "{{json .Config}}", baked.image]));
    assert.ok(!cfg.Volumes, `the base image's VOLUME /var/lib/mysql must not be inherited: ${JSON.stringify(cfg.Volumes)}`);
    assert.equal(cfg.Labels["dbplace.bake.engine"], "mysql");
    assert.equal(cfg.Labels["dbplace.bake.dump-digest"], baked.digest);
    assert.equal(cfg.Labels["dbplace.bake.reader-role"], BAKED_MYSQL.readerRole);
    assert.match(cfg.Labels["dbplace.bake.dumped-at"], /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual(baked.labels["dbplace.bake.engine"], "mysql");
    // The dump stayed in the restore stage.
    const ls = await docker(["run", "--rm", "--entrypoint", "ls", baked.image, "/bake"]);
    assert.notEqual(ls.code, 0, "the image must not contain /bake (the dump)");
  });

  it("runs two replicas without mounts that serve exactly the master's rows at dump time", async function () {
    await dockerOk(["run", "-d", "--name", replicas[0], "--label", `${LABEL}=${RUN_ID}`, baked.image]);
    const files = bakedContainer(tls).files.concat({ path: "/etc/dbplace/secrets/ca.crt", content: tls.tls.caCertPem });
    await startWithFiles(tlsReplica, baked.image, ["--user", "root", "-e", "DBPLACE_TLS=required"], files);
    for (const r of replicas) {
      const ms = await waitExec(r, BAKED_MYSQL.readinessCommand(DB));
      console.log(`      ${r.replace(/.*-/, "replica ")} ready in ${ms} ms`);
      assert.equal((await dockerOk(["inspect", "-f", "{{json .Mounts}}", r])).trim(), "[]");
      const got = await overNetwork(r, BAKED_MYSQL.readerRole, READER_PW, SNAPSHOT);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout, atDump);
    }
  });

  it("serves the TLS replica over verified TLS only", async function () {
    const plain = await exec(master, ["mariadb", "--no-defaults", "--skip-ssl", "-h", await ipOf(tlsReplica), "-u", BAKED_MYSQL.readerRole,
      `-p${READER_PW}`, DB, "-e", "SELECT 1"]);
    assert.notEqual(plain.code, 0, "a cleartext login must be refused");
    // MariaDB answers a cleartext login under require_secure_transport with "Access denied"; the same
    // login over TLS succeeds (the other cases read this replica with --ssl).
    assert.match(plain.stderr, /secure transport|SSL|Access denied/i);
    const verified = await docker(["exec", tlsReplica, "mariadb", "--no-defaults", "-h", "127.0.0.1", "--protocol=tcp", "--ssl-ca=/run/mysqld/dbplace/ca.crt",
      "--ssl-verify-server-cert", "-u", BAKED_MYSQL.readerRole, `-p${READER_PW}`, "-N", "-B", DB, "-e", "SHOW STATUS LIKE 'Ssl_version'"]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /Ssl_version\tTLSv1\.[23]/);
    const noCert = await docker(["run", "--rm", "--user", "root", "-e", "DBPLACE_TLS=required", baked.image]);
    assert.notEqual(noCert.code, 0);
    assert.match(noCert.stderr, /refusing to serve in cleartext/);
  });

  it("refuses writes from the reader, root over the network, and root on the socket", async function () {
    for (const r of replicas) {
      for (const sql of ["INSERT INTO customers VALUES (5000000, 'x', NULL, 1)", "CREATE TABLE t (i INT)", "DELETE FROM orders"]) {
        const w = await overNetwork(r, BAKED_MYSQL.readerRole, READER_PW, sql);
        assert.notEqual(w.code, 0, `reader wrote: ${sql}`);
        assert.match(w.stderr, /denied|read-only|read only/i);
      }
      const rootNet = await overNetwork(r, "root", "", "SELECT 1");
      assert.notEqual(rootNet.code, 0);
      assert.match(rootNet.stderr, /Access denied|not allowed to connect/i);
      const rootNetPw = await overNetwork(r, "root", ROOT_PW, "SELECT 1");
      assert.notEqual(rootNetPw.code, 0, "the master's root password must not open the replica");
      // The container's own root (unix socket) holds every privilege, and still cannot change the data.
      const rootSock = await docker(["exec", "-u", "root", r, "mariadb", "-uroot", "-N", "-B", DB, "-e",
        "INSERT INTO customers VALUES (5000000, 'x', NULL, 1)"]);
      assert.notEqual(rootSock.code, 0, "root wrote through the socket");
      assert.match(rootSock.stderr, /read-only|read only/i);
      const vars = await docker(["exec", "-u", "root", r, "mariadb", "-uroot", "-N", "-B", "-e",
        "SELECT @@read_only, @@innodb_read_only, @@skip_external_locking"]);
      assert.equal(vars.stdout.trim(), "1\t1\t1");
      const still = await overNetwork(r, BAKED_MYSQL.readerRole, READER_PW, SNAPSHOT);
      assert.equal(still.stdout, atDump);
    }
  });

  it("exposes the dump's age and bake time in the metadata table", async function () {
    const age = await overNetwork(replicas[0], BAKED_MYSQL.readerRole, READER_PW, BAKED_MYSQL.ageQuery);
    assert.equal(age.code, 0, age.stderr);
    const seconds = Number(age.stdout.trim());
    assert.ok(Number.isInteger(seconds) && seconds >= 0 && seconds < 600, `age ${age.stdout}`);
    const row = await overNetwork(replicas[0], BAKED_MYSQL.readerRole, READER_PW,
      "SELECT dump_digest, engine, major_version, database_name, baked_at >= dumped_at FROM dbplace_bake");
    assert.equal(row.stdout.trim(), `${baked.digest}\tmysql\t10.11\t${DB}\t1`);
    // Without a password, as a VM agent or a sidecar reads it (socket login; mysql user in one, root in the other).
    for (const r of replicas) {
      const probe = await docker(["exec", r, ...BAKED_MYSQL.readinessCommand(DB).slice(0, 3), BAKED_MYSQL.ageQuery]);
      assert.equal(probe.code, 0, probe.stderr);
      assert.ok(Math.abs(Number(probe.stdout.trim()) - seconds) <= 5, `probe age ${probe.stdout} vs ${seconds}`);
    }
  });

  it("bakes the same way from the CLI: npm run bake -- --engine mysql", async function () {
    const cli = await run(path.join(REPO_ROOT, "node_modules", ".bin", "ts-node"), ["-T", path.join(REPO_ROOT, "scripts", "bake.ts"),
      "--engine", "mysql", "--dump", dumpFile, "--image", `${REPO}-cli`, "--base-image", BASE, "--json"],
    { env: { ...process.env, DBPLACE_CACHE: cacheDir, DBPLACE_READER_PASSWORD: READER_PW } });
    assert.equal(cli.code, 0, cli.stderr);
    const r = JSON.parse(cli.stdout);
    cliImage = r.image;
    assert.equal(r.digest, baked.digest, "same dump, same tag");
    assert.equal(r.labels["dbplace.bake.database"], DB, "the database comes from the dump's header");
    const name = `dbplace-e2e-mariadb-cli-${RUN_ID}`;
    await dockerOk(["run", "-d", "--name", name, "--label", `${LABEL}=${RUN_ID}`, cliImage]);
    await waitExec(name, BAKED_MYSQL.readinessCommand(DB));
    const got = await overNetwork(name, BAKED_MYSQL.readerRole, READER_PW, SNAPSHOT);
    assert.equal(got.stdout, atDump);
  });

  it("refuses a truncated dump and a PostgreSQL dump before any build", async function () {
    const cut = path.join(work, "cut.sql");
    const full = fs.readFileSync(dumpFile);
    fs.writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    await assert.rejects(bake({ engine: "mysql", majorVersion: "10.11", dump: cut, baseImage: BASE, database: DB, image: REPO, cacheDir }),
      (e: Error) => e instanceof BakeError && e.code === "dump-truncated" && /Dump completed/.test(e.message));
    const pg = path.join(work, "pg.dump");
    fs.writeFileSync(pg, Buffer.concat([Buffer.from("PGDMP"), Buffer.alloc(100)]));
    await assert.rejects(bake({ engine: "mysql", majorVersion: "10.11", dump: pg, baseImage: BASE, database: DB, image: REPO, cacheDir }),
      (e: Error) => e instanceof BakeError && e.code === "engine-mismatch" && /engine "postgres"/.test(e.message));
  });
});
