// Docker tier: real dockerd, real PostgreSQL. Master -> dump -> bake ->
// replicas -> writes -> re-bake -> rolling replace, plus failure paths.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { BAKED, BakeError, BakeResult, bake, dumpFromMaster, inspectDump, prepareBakeContext, scramVerifier } from "../../components/bake";
import { docker, run } from "../../components/bake/docker";
import { DATASET_SQL, SECOND_WAVE_SQL } from "./support/dataset";
import {
  BASE_IMAGE, Conn, LABEL, PsqlError, RUN_ID, Started, ensureDockerAndBaseImage, psql, removeImages,
  removeRunContainers, startContainer, startWithFiles, tableFingerprints, tempDir, waitExec,
} from "./support/env";
import { bakedContainer, makeSecrets } from "./support/secure";
import { rollReplicas, ServicePoller } from "./support/roll";

const REPO = "dbplace-e2e/app";
const DB = "app";
const MASTER_PW = "master-secret";
const READER_PW = "reader-secret";

describe("baked read replicas (docker)", function () {
  this.timeout(20 * 60_000);
  const work = tempDir("dbplace-e2e");
  const cacheDir = path.join(work, "cache");
  const masterName = `dbplace-e2e-master-${RUN_ID}`;
  let master: Started;
  let masterConn: Conn;
  let first: BakeResult;
  let second: BakeResult;
  let replicas: Started[] = [];
  let replicaSeq = 0;
  const reader = (s: Started): Conn => ({ port: s.port, user: BAKED.readerRole, password: READER_PW, database: DB });
  const bakeSpec = (dump: string) => ({
    engine: "postgres" as const, majorVersion: "15", dump, baseImage: BASE_IMAGE, database: DB,
    source: "e2e master", image: REPO, cacheDir, readerVerifier: scramVerifier(READER_PW),
    extraLabels: { [LABEL]: RUN_ID },
  });
  // As DockerBakedReplicas runs them: the certificate uploaded, never in the image.
  const tls = makeSecrets(work, "app-master", "app-ro");
  async function startReplica(image: string): Promise<Started> {
    const b = bakedContainer(tls);
    const r = await startWithFiles(`dbplace-e2e-replica-${RUN_ID}-${++replicaSeq}`, image, b.args, b.files);
    await waitExec(r.name, BAKED.readinessCommand(DB));
    return r;
  }

  before(async function () {
    ensureDockerAndBaseImage();
    await removeRunContainers();
    master = await startContainer(masterName, BASE_IMAGE, ["-e", `POSTGRES_PASSWORD=${MASTER_PW}`, "-e", `POSTGRES_DB=${DB}`]);
    await waitExec(master.name, ["psql", "-U", "postgres", "-d", DB, "-XAtqc", "SELECT 1"]);
    masterConn = { port: master.port, user: "postgres", password: MASTER_PW, database: DB };
    // The entrypoint restarts the server once after init; wait for TCP too.
    for (let i = 0; ; i++) {
      try {
        await psql(masterConn, "SELECT 1");
        break;
      } catch (e) {
        if (i > 100) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await psql(masterConn, DATASET_SQL, 300);
  });

  after(async function () {
    await removeRunContainers();
    await removeImages(REPO);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("bakes a dump of the master into an image without the dump or any VOLUME", async function () {
    const dump = await dumpFromMaster({ container: master.name, outFile: path.join(work, "v1.pgdump") });
    first = await bake(bakeSpec(dump));
    assert.equal(first.tag, first.digest.slice(0, 16));
    assert.equal(first.image, `${REPO}:${first.tag}`);
    const cfg = JSON.parse((await docker(["image", "inspect", "--format", "{{json .Config}}", first.image])).stdout);
    assert.deepEqual(Object.keys(cfg.Volumes ?? {}), [], "the baked image must not declare volumes");
    assert.equal(cfg.Labels["dbplace.bake.dump-digest"], first.digest);
    assert.equal(cfg.Labels["dbplace.bake.source"], "e2e master");
    const dumpInImage = await docker(["run", "--rm", "--entrypoint", "sh", first.image, "-c", "ls /bake 2>/dev/null; find / -xdev -name '*.pgdump' 2>/dev/null"]);
    assert.equal(dumpInImage.stdout.trim(), "", `the dump must not be in the image: ${dumpInImage.stdout}`);
    assert.ok(first.dbBytes && first.dbBytes > 30e6, `expected tens of MB, got ${first.dbBytes}`);
  });

  it("starts two replicas that serve exactly the master's tables, without mounts", async function () {
    replicas = [await startReplica(first.image), await startReplica(first.image)];
    const want = await tableFingerprints(masterConn);
    assert.ok(Object.keys(want).length >= 3);
    for (const r of replicas) {
      assert.deepEqual(await tableFingerprints(reader(r)), want, `replica ${r.name} differs from the master`);
      const mounts = JSON.parse((await docker(["inspect", "--format", "{{json .Mounts}}", r.name])).stdout);
      assert.deepEqual(mounts, [], `${r.name} must have no mounts`);
    }
    // COPY FREEZE + VACUUM: every heap page all-visible, statistics present.
    const vm = await psql(reader(replicas[0]), `SELECT string_agg(relname || '=' || (relallvisible = relpages AND reltuples > 0), ',' ORDER BY relname)
      FROM pg_class WHERE relname IN ('customers', 'orders', 'events')`);
    assert.equal(vm, "customers=true,events=true,orders=true");
  });

  it("refuses INSERT, UPDATE, DELETE and DDL, even for the superuser", async function () {
    const c = reader(replicas[0]);
    for (const sql of [
      "INSERT INTO customers VALUES (999999, 'x', 'x@x', now())",
      "UPDATE orders SET amount = 0 WHERE id = 1",
      "DELETE FROM events WHERE id = 1",
      "CREATE TABLE sneaky (i int)",
      "SET default_transaction_read_only = off; INSERT INTO customers VALUES (999998, $$x$$, $$y@y$$, now())",
      "BEGIN READ WRITE; CREATE INDEX ON orders (amount); COMMIT",
    ]) {
      await assert.rejects(psql(c, sql), (e: Error) => e instanceof PsqlError && /read-only|recovery/.test(e.message), sql);
    }
    const su = await docker(["exec", "-u", "postgres", replicas[0].name, "psql", "-U", "postgres", "-d", DB, "-XAtqc", "UPDATE orders SET amount = 0 WHERE id = 1"]);
    assert.notEqual(su.code, 0);
    assert.match(su.stderr, /read-only/);
  });

  it("lets the reader in only with its password from outside, and keeps the superuser out", async function () {
    await assert.rejects(psql({ ...reader(replicas[0]), password: "wrong" }, "SELECT 1"), /password authentication failed/);
    await assert.rejects(psql({ ...reader(replicas[0]), user: "postgres", password: MASTER_PW }, "SELECT 1"), /no pg_hba\.conf entry/);
    const meta = await psql(reader(replicas[0]), `SELECT dump_digest || '|' || source || '|' || database FROM ${BAKED.metadataTable}`);
    assert.equal(meta, `${first.digest}|e2e master|${DB}`);
    const age = Number(await psql(reader(replicas[0]), BAKED.ageQuery));
    assert.ok(Number.isFinite(age) && age >= 0 && age < 3600, `age ${age}`);
  });

  it("rolls to a re-baked image one replica at a time while reads never stop", async function () {
    await psql(masterConn, SECOND_WAVE_SQL);
    const dump = await dumpFromMaster({ container: master.name, outFile: path.join(work, "v2.pgdump") });
    second = await bake(bakeSpec(dump));
    assert.notEqual(second.tag, first.tag);
    const poller = new ServicePoller(replicas.map(reader), "SELECT count(*) FROM customers");
    poller.start();
    replicas = await rollReplicas(replicas, () => startReplica(second.image), poller, reader);
    const stats = await poller.stop();
    assert.ok(stats.ticks > 10, `too few polls (${stats.ticks})`);
    assert.equal(stats.failedTicks, 0, `reads failed during the roll: ${stats.errors.slice(0, 3).join("; ")}`);
    const want = await tableFingerprints(masterConn);
    assert.ok(want["public.wave2_marker"], "the master has the new table");
    for (const r of replicas) {
      assert.deepEqual(await tableFingerprints(reader(r)), want, `${r.name} does not serve the new data`);
      assert.equal(await psql(reader(r), "SELECT note FROM wave2_marker WHERE id = 1"), "written after the first bake");
    }
  });

  it("keeps serving reads from the other replica when one is killed", async function () {
    await docker(["kill", replicas[0].name]);
    await assert.rejects(psql(reader(replicas[0]), "SELECT 1", 2));
    assert.equal(await psql(reader(replicas[1]), "SELECT count(*) FROM wave2_marker"), "1");
    replicas = [replicas[1], await startReplica(second.image)];
  });

  it("builds BakeContext.dockerfile (what the Pulumi component hands docker.Image) with BuildKit too", async function () {
    const cli = ["/usr/bin/docker", "/usr/local/bin/docker"].find((c) => fs.existsSync(c));
    const bk = cli ? await run(cli, ["version", "--format", "{{.Client.Version}}"]) : undefined;
    if (!cli || !bk || !/^(19|2[0-2])\./.test(bk.stdout.trim())) this.skip(); // no built-in BuildKit here
    const ctx = prepareBakeContext({ ...bakeSpec(path.join(work, "v2.pgdump")) }, cacheDir);
    const ref = `${REPO}:multistage-buildkit`;
    const args = ["build", "--progress", "plain", "-f", ctx.dockerfile, "-t", ref, "--label", `${LABEL}=${RUN_ID}`];
    for (const [k, v] of Object.entries(ctx.buildArgs)) args.push("--build-arg", `${k}=${v}`);
    const r = await run(cli as string, [...args, ctx.dir], { env: { ...process.env, DOCKER_BUILDKIT: "1" } });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    const rep = await startReplica(ref);
    assert.equal(await psql(reader(rep), "SELECT count(*) FROM wave2_marker"), "1");
    assert.deepEqual(JSON.parse((await docker(["inspect", "--format", "{{json .Mounts}}", rep.name])).stdout), []);
    await docker(["rm", "-f", rep.name]);
  });

  describe("failed bakes leave the current image and replicas alone", function () {
    async function expectBakeFailure(dump: string, code: string, pattern: RegExp): Promise<void> {
      await assert.rejects(bake(bakeSpec(dump)), (e: Error) => {
        assert.ok(e instanceof BakeError, `expected a BakeError, got ${e}`);
        assert.equal((e as BakeError).code, code, e.message);
        assert.match(e.message, pattern);
        return true;
      });
      assert.equal((await docker(["image", "inspect", second.image])).code, 0, "the current tag must survive");
      for (const r of replicas) assert.equal(await psql(reader(r), "SELECT count(*) FROM wave2_marker"), "1");
    }

    it("refuses a truncated dump", async function () {
      const good = path.join(work, "v2.pgdump");
      const bad = path.join(work, "truncated.pgdump");
      fs.writeFileSync(bad, fs.readFileSync(good).subarray(0, Math.floor(fs.statSync(good).size / 2)));
      await expectBakeFailure(bad, "dump-truncated", /truncated.*re-take/);
    });

    it("refuses a plain-SQL dump and says to use -Fc", async function () {
      const plain = path.join(work, "plain.sql");
      const r = await docker(["exec", master.name, "pg_dump", "-U", "postgres", "-d", DB, "-f", "/tmp/plain.sql"]);
      assert.equal(r.code, 0, r.stderr);
      await docker(["cp", `${master.name}:/tmp/plain.sql`, plain]);
      await expectBakeFailure(plain, "dump-format", /plain-SQL.*-Fc/);
    });

    it("reports a dump corrupted inside its data (caught by pg_restore during the build)", async function () {
      const good = fs.readFileSync(path.join(work, "v2.pgdump"));
      const file = path.join(work, "corrupt.pgdump");
      // Flip a few bytes inside compressed table data, at a spot where the
      // chunk framing stays valid: the quick structural check passes and the
      // damage is only found by pg_restore inside docker build.
      for (let at = Math.floor(good.length * 0.6); ; at += 997) {
        assert.ok(at < good.length - 64, "found no spot to corrupt");
        const bad = Buffer.from(good);
        for (let i = at; i < at + 8; i++) bad[i] ^= 0x5a;
        fs.writeFileSync(file, bad);
        try {
          inspectDump(file, 15);
          break;
        } catch {
          /* hit a chunk header; try further on */
        }
      }
      await expectBakeFailure(file, "restore", /pg_restore failed.*uncompress|pg_restore failed/);
    });
  });
});
