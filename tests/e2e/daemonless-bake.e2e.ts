// Docker tier: the daemonless baker. `npm run bake -- --push` runs with DOCKER_HOST pointing nowhere,
// restores on this host with Debian's PostgreSQL and pushes to a registry on 127.0.0.1 (its own, on a
// port of its own); docker then pulls the image and runs it as a read-only replica, as a node would.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as zlib from "zlib";
import { BAKED, BakeError, bakeDaemonless, inspectDump, scramVerifier } from "../../components/bake";
import { resolveBase } from "../../components/bake/base-image";
import { baker } from "../../components/bake/baker-tool";
import { docker, run } from "../../components/bake/docker";
import { defaultCacheDir } from "../../components/bake/types";
import { BASE_IMAGE, Conn, LABEL, PsqlError, REPO_ROOT, RUN_ID, Started, ensureDockerAndBaseImage, psql, removeImages,
  startContainer, startWithFiles, tableFingerprints, tempDir, waitExec } from "./support/env";
import { bakedContainer, makeSecrets } from "./support/secure";

const DUMP = path.join(REPO_ROOT, "tests", "fixtures", "app-next.dump");
const READER_PW = "daemonless-reader";
const NO_DAEMON = "unix:///nonexistent/docker.sock";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The registry's HTTP API, read directly: what was pushed, byte for byte. */
async function registryGet(url: string, accept?: string): Promise<Buffer> {
  const r = await fetch(url, { headers: accept ? { Accept: accept } : {} });
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return Buffer.from(await r.arrayBuffer());
}

describe("daemonless bake (no Docker daemon, host restore, registry push)", function () {
  this.timeout(20 * 60_000);
  const work = tempDir("dbplace-e2e-daemonless");
  const regDir = path.join(work, "registry");
  let port = 0;
  let repo = "";
  let pushed: { ref: string; image: string; digest: string; tag: string };
  let replica: Started;
  let expected: Record<string, string>;
  const tls = makeSecrets(work, "app-master", "app-ro");
  const regEnv = () => ({ ...process.env, DBPLACE_REGISTRY_PORT: String(port), DBPLACE_REGISTRY_DIR: regDir });
  const reader = (s: Started): Conn => ({ port: s.port, user: BAKED.readerRole, password: READER_PW, database: "app" });
  const tags = async (): Promise<string[]> => {
    const r = await fetch(`http://127.0.0.1:${port}/v2/${repo.split("/").slice(1).join("/")}/tags/list`);
    return r.status === 404 ? [] : (((await r.json()) as { tags?: string[] }).tags ?? []);
  };
  const strays = async () => (await run("ps", ["-eo", "args"])).stdout.split("\n").filter((l) => /dbplace-bake-[^/]*\/data/.test(l));

  before(async function () {
    ensureDockerAndBaseImage();
    execFileSync(path.join(REPO_ROOT, "tools", "baker", "ensure-engine.sh"), ["15"], { stdio: "inherit" });
    port = await freePort();
    repo = `127.0.0.1:${port}/dbplace-e2e/daemonless`;
    execFileSync(path.join(REPO_ROOT, "tools", "registry", "registry.sh"), ["start"], { env: regEnv(), stdio: "inherit" });
    // With the daemon still up: export the base image once, as any first bake on this machine does.
    await resolveBase(BASE_IMAGE, defaultCacheDir(), () => undefined);
    // What the replica must serve: the dump restored into a plain server.
    const ref = await startContainer(`dbplace-e2e-dlref-${RUN_ID}`, BASE_IMAGE, ["-e", "POSTGRES_PASSWORD=ref", "-e", "POSTGRES_DB=app"]);
    await waitExec(ref.name, ["psql", "-U", "postgres", "-d", "app", "-XAtqc", "SELECT 1"]);
    await docker(["cp", DUMP, `${ref.name}:/tmp/app.dump`]);
    for (let i = 0; ; i++) {
      const r = await docker(["exec", ref.name, "pg_restore", "-U", "postgres", "--no-owner", "--exit-on-error", "-d", "app", "/tmp/app.dump"]);
      if (r.code === 0) break;
      if (i > 50) throw new Error(r.stderr);
      await new Promise((res) => setTimeout(res, 200)); // the entrypoint restarts the server once after init
    }
    expected = await tableFingerprints({ port: ref.port, user: "postgres", password: "ref", database: "app" });
    assert.ok(Object.keys(expected).length >= 2, `the fixture has tables: ${JSON.stringify(expected)}`);
  });

  after(async function () {
    // Only this run's containers: other test files on this machine may be running.
    const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}=${RUN_ID}`])).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
    await removeImages(repo);
    execFileSync(path.join(REPO_ROOT, "tools", "registry", "registry.sh"), ["stop"], { env: regEnv(), stdio: "inherit" });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("npm run bake -- --push bakes and pushes with DOCKER_HOST pointing nowhere", async function () {
    const env = { ...process.env, DOCKER_HOST: NO_DAEMON, DBPLACE_READER_PASSWORD: READER_PW };
    assert.notEqual((await run("docker", ["version", "--format", "{{.Server.Version}}"], { env })).code, 0, "no daemon must be reachable");
    const r = await run("npm", ["run", "-s", "bake", "--", "--dump", DUMP, "--image", repo, "--push", "--source", "e2e fixture", "--json"], { env, keep: 1 << 20 });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    pushed = JSON.parse(r.stdout);
    const digest = execFileSync("sha256sum", [DUMP]).toString().split(" ")[0];
    assert.equal(pushed.digest, digest);
    assert.equal(pushed.tag, digest.slice(0, 16));
    assert.match(pushed.ref, new RegExp(`^${repo.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
    assert.deepEqual(await tags(), [pushed.tag]);
    assert.doesNotMatch(r.stderr, /docker build|exporting/, "nothing may go through docker");
    assert.equal((pushed as unknown as { compression: string }).compression, "gzip");
  });

  it("docker pulls it: no VOLUME, the docker path's runtime config, the labels, data owned by the image's postgres", async function () {
    const p = await docker(["pull", "-q", `${repo}:${pushed.tag}`]);
    assert.equal(p.code, 0, p.stderr);
    const cfg = JSON.parse((await docker(["image", "inspect", "--format", "{{json .Config}}", `${repo}:${pushed.tag}`])).stdout);
    assert.deepEqual(Object.keys(cfg.Volumes ?? {}), [], "the baked image must not declare volumes");
    assert.deepEqual(cfg.Entrypoint, ["/usr/local/bin/dbplace-start", "replica"]);
    assert.equal(cfg.Cmd ?? null, null, "no Cmd: the docker path's final stage is FROM scratch");
    assert.equal(cfg.User, "postgres");
    assert.ok(cfg.Env.includes(`PGDATA=${BAKED.dataDir}`), cfg.Env.join(" "));
    assert.equal(cfg.Labels["dbplace.bake.dump-digest"], pushed.digest);
    assert.equal(cfg.Labels["dbplace.bake.source"], "e2e fixture");
    assert.equal(cfg.Labels["dbplace.bake.stage"], "replica");
    // The data directory is owned by the image's postgres (100:102 here), not the host's.
    const own = await docker(["run", "--rm", "--entrypoint", "sh", `${repo}:${pushed.tag}`, "-c",
      `stat -c '%u:%g %a' ${BAKED.dataDir} ${BAKED.dataDir}/PG_VERSION | sort -u; id -u postgres; id -g postgres`]);
    const [dirLine, fileLine, uid, gid] = own.stdout.trim().split("\n");
    assert.equal(dirLine.split(" ")[0], `${uid}:${gid}`, own.stdout);
    assert.equal(fileLine.split(" ")[0], `${uid}:${gid}`, own.stdout);
  });

  it("runs as a read-only replica serving exactly the dump's data, with no mounts", async function () {
    const b = bakedContainer(tls);
    replica = await startWithFiles(`dbplace-e2e-dlreplica-${RUN_ID}`, `${repo}:${pushed.tag}`, b.args, b.files);
    await waitExec(replica.name, BAKED.readinessCommand("app"));
    assert.deepEqual(await tableFingerprints(reader(replica)), expected);
    assert.deepEqual(JSON.parse((await docker(["inspect", "--format", "{{json .Mounts}}", replica.name])).stdout), []);
    const meta = await psql(reader(replica), `SELECT dump_digest || '|' || source || '|' || database || '|' || major_version FROM ${BAKED.metadataTable}`);
    assert.equal(meta, `${pushed.digest}|e2e fixture|app|15`);
    await assert.rejects(psql(reader(replica), "CREATE TABLE sneaky (i int)"), (e: Error) => e instanceof PsqlError && /read-only/.test(e.message));
    assert.equal(await psql(reader(replica), "SELECT pg_is_in_recovery()"), "t");
  });

  it("carries no byte of the dump in any layer, and the data directory as one layer", async function () {
    const dump = fs.readFileSync(DUMP);
    // The archive header, and slices of its (compressed) data blocks.
    const samples = [dump.subarray(0, 24), ...[0.3, 0.5, 0.7, 0.9].map((f) => dump.subarray(Math.floor(dump.length * f), Math.floor(dump.length * f) + 32))];
    const manifest = JSON.parse((await registryGet(`http://127.0.0.1:${port}/v2/dbplace-e2e/daemonless/manifests/${pushed.tag}`,
      "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")).toString());
    assert.ok(manifest.layers.length >= 3, `base layers + start script + data: ${manifest.layers.length}`);
    const withData: number[] = [];
    for (const [i, l] of (manifest.layers as { digest: string; mediaType: string }[]).entries()) {
      const blob = await registryGet(`http://127.0.0.1:${port}/v2/dbplace-e2e/daemonless/blobs/${l.digest}`);
      const tar = l.mediaType.endsWith("gzip") ? zlib.gunzipSync(blob) : blob;
      for (const s of samples) assert.equal(tar.indexOf(s), -1, `layer ${l.digest} holds bytes of the dump`);
      if (tar.indexOf(`${BAKED.dataDir.slice(1)}/PG_VERSION`) >= 0) withData.push(i);
    }
    assert.deepEqual(withData, [manifest.layers.length - 1], "the data directory is the one, last layer");
  });

  it("bakes from a base image in a registry into an OCI layout", async function () {
    const base = `127.0.0.1:${port}/dbplace-e2e/postgres:15`;
    const cached = await resolveBase(BASE_IMAGE, defaultCacheDir(), () => undefined);
    await baker(["convert", "--from", cached.ref, "--to", base, "--tag", base], "baker", "push the base");
    const out = path.join(work, "layout");
    const r = await bakeDaemonless({ engine: "postgres", majorVersion: "15", dump: DUMP, baseImage: base, database: "app",
      image: "dbplace-e2e/daemonless-oci", readerVerifier: scramVerifier(READER_PW), output: `oci:${out}` });
    assert.equal(r.compression, "gzip", "an OCI layout may travel: compressed by default");
    assert.match(r.ref, /^oci:.*@sha256:[0-9a-f]{64}$/);
    const index = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8"));
    assert.equal(index.manifests.length, 1);
    const blob = (d: string) => JSON.parse(fs.readFileSync(path.join(out, "blobs", "sha256", d.replace("sha256:", "")), "utf8"));
    const manifest = blob(index.manifests[0].digest);
    const cfg = blob(manifest.config.digest).config;
    assert.equal(cfg.Labels["dbplace.bake.dump-digest"], r.digest);
    assert.equal(cfg.Labels["dbplace.bake.base-image"], base);
    assert.equal(cfg.Volumes ?? null, null);
    // The base's layers are reused as they are, two of ours on top.
    const baseManifest = JSON.parse((await registryGet(`http://127.0.0.1:${port}/v2/dbplace-e2e/postgres/manifests/15`,
      "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json")).toString());
    assert.deepEqual(manifest.layers.slice(0, -2).map((l: { digest: string }) => l.digest), baseManifest.layers.map((l: { digest: string }) => l.digest));
  });

  describe("failures push nothing and say why", function () {
    const spec = (dump: string, image = repo) => ({
      engine: "postgres" as const, majorVersion: "15", dump, baseImage: BASE_IMAGE, database: "app", image,
      readerVerifier: scramVerifier(READER_PW), output: "push", onProgress: (l: string) => lines.push(l),
    });
    let lines: string[] = [];
    beforeEach(() => {
      lines = [];
    });

    it("a dump corrupted inside its data: pg_restore's reason, no tag, no server left running", async function () {
      const good = fs.readFileSync(DUMP);
      const file = path.join(work, "corrupt.pgdump");
      // Damage compressed table data where the chunk framing stays valid, so only pg_restore notices.
      for (let at = Math.floor(good.length * 0.5); ; at += 97) {
        assert.ok(at < good.length - 64, "found no spot to corrupt");
        const bad = Buffer.from(good);
        for (let i = at; i < at + 8; i++) bad[i] ^= 0x5a;
        fs.writeFileSync(file, bad);
        try {
          inspectDump(file, 15);
          break;
        } catch {
          /* a chunk header: try further on */
        }
      }
      const before = await tags();
      await assert.rejects(bakeDaemonless({ ...spec(file) }), (e: Error) => {
        assert.ok(e instanceof BakeError, `expected a BakeError, got ${e.stack}`);
        assert.match(e.message, /^Bake failed: (pg_restore failed|the dump).*; nothing was pushed\.$/);
        return true;
      });
      assert.deepEqual(await tags(), before, "nothing may be pushed");
      assert.deepEqual(await strays(), [], "the temporary server must be stopped");
      assert.equal(await psql(reader(replica), "SELECT count(*) FROM dbplace.bake"), "1", "the running replica is untouched");
    });

    it("a truncated dump is refused before anything runs", async function () {
      const file = path.join(work, "truncated.pgdump");
      fs.writeFileSync(file, fs.readFileSync(DUMP).subarray(0, 4000));
      await assert.rejects(bakeDaemonless(spec(file)), (e: Error) => e instanceof BakeError && /truncated|re-take|ends/.test(e.message));
      assert.ok(!lines.some((l) => /restoring on this host/.test(l)), lines.join("\n"));
    });

    it("an unreachable registry: named in the message, found before the restore, nothing pushed", async function () {
      const closed = await freePort();
      const t = Date.now();
      await assert.rejects(bakeDaemonless(spec(DUMP, `127.0.0.1:${closed}/dbplace-e2e/nowhere`)), (e: Error) => {
        assert.ok(e instanceof BakeError && e.code === "registry", `${e}`);
        assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${closed} is not reachable.*connection refused.*; nothing was restored or pushed\\.$`));
        return true;
      });
      assert.ok(!lines.some((l) => /restoring on this host/.test(l)), "the registry is checked before the restore");
      assert.ok(Date.now() - t < 30_000);
    });

    it("a full disk under the work directory: named with its free space, nothing pushed, no server left running", async function () {
      // A 24 MB tmpfs: the restore's data directory (~40 MB for this dump) cannot fit.
      // Outside the test's private work directory: the restore runs as the host's postgres user.
      const tiny = fs.mkdtempSync("/tmp/dbplace-e2e-tiny-");
      fs.chmodSync(tiny, 0o755);
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m,mode=1777", "tmpfs", tiny]);
      const before = await tags();
      const saved = process.env.DBPLACE_BAKE_WORKDIR;
      process.env.DBPLACE_BAKE_WORKDIR = tiny;
      try {
        await assert.rejects(bakeDaemonless(spec(DUMP)), (e: Error) => {
          assert.ok(e instanceof BakeError && e.code === "disk-full", `${e}`);
          assert.match(e.message, new RegExp(`^Bake failed: the disk under ${tiny.replace(/[/.]/g, "\\$&")} is full \\(\\d+ MB free there now; .*DBPLACE_BAKE_WORKDIR.*; nothing was pushed\\.$`));
          return true;
        });
      } finally {
        if (saved === undefined) delete process.env.DBPLACE_BAKE_WORKDIR;
        else process.env.DBPLACE_BAKE_WORKDIR = saved;
        execFileSync("umount", [tiny]);
        fs.rmdirSync(tiny);
      }
      assert.deepEqual(await tags(), before, "nothing may be pushed");
      assert.deepEqual(await strays(), [], "the temporary server must be stopped");
      assert.equal(await psql(reader(replica), "SELECT count(*) FROM dbplace.bake"), "1", "the running replica is untouched");
    });
  });

  it("writes a docker archive the local engine loads (the docker placement's path), same data", async function () {
    // The push above had gzip layers; a load defaults to plain tar layers, so docker reads both kinds.
    const r = await bakeDaemonless({ engine: "postgres", majorVersion: "15", dump: DUMP, baseImage: BASE_IMAGE, database: "app",
      image: "dbplace-e2e/daemonless-load", readerVerifier: scramVerifier(READER_PW), output: "load", extraLabels: { [LABEL]: RUN_ID } });
    assert.equal(r.compression, "none");
    assert.equal(r.layerBytes, r.layerTarBytes, "an uncompressed layer is its tar");
    const name = `dbplace-e2e-dlload-${RUN_ID}`;
    try {
      const b = bakedContainer(tls);
      const s = await startWithFiles(name, r.image, b.args, b.files);
      await waitExec(s.name, BAKED.readinessCommand("app"));
      assert.deepEqual(await tableFingerprints(reader(s)), expected);
    } finally {
      await docker(["rm", "-f", name]);
      await removeImages("dbplace-e2e/daemonless-load");
    }
  });
});
