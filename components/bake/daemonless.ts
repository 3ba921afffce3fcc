// bakeDaemonless(): a bake with no Docker daemon. The dump is restored on this host by the same
// recipe docker build runs (RESTORE_SCRIPT), then dbplace-bake (tools/baker) writes the data directory
// as one layer over the base image, with the same runtime config the Dockerfile gives, and pushes it
// or writes an OCI layout / docker archive. The dump never enters a layer: only the data directory and
// the start script do. A failure before the final write pushes nothing.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { baker } from "./baker-tool";
import { resolveBase } from "./base-image";
import { BakeOptions, BakeResult, checkImageName } from "./bake";
import { labelsFor, prepareBakeContext } from "./context";
import { docker, dockerOk } from "./docker";
import { replicaRuntime } from "./dockerfile";
import { hostEngine, restoreUser, runHostRestore, sharedLocales } from "./host-restore";
import { RestoreOutput, SCRIPT_STEP } from "./progress";
import { RESTORE_SCRIPT } from "./restore-script";
import { START_SCRIPT_PATH } from "./start-script";
import { BAKED, BakeError, defaultCacheDir } from "./types";

export interface DaemonlessBakeOptions extends BakeOptions {
  /**
   * Where the image goes: "push" (IMAGE:TAG in its registry), "oci:DIR", "docker-archive:FILE", or "load"
   * (a docker archive loaded into the local engine, the one destination that needs a daemon). Default "load".
   */
  output?: string;
  /**
   * Layer compression: gzip (level 1) or none. Default: none for a docker load (docker stores layers
   * uncompressed anyway), gzip for everything else: a data directory compresses well (pgbench: 15x), and
   * even a registry on this host is faster with gzip from ~300 MB on, since it writes and hashes 15x less.
   */
  compression?: "gzip" | "none";
}

export interface DaemonlessBakeResult extends BakeResult {
  /** repo@sha256:… after a push, oci:DIR@sha256:… for a layout, the archive path, or repo:tag after a load. */
  ref: string;
  /** Manifest digest of the image. */
  imageDigest: string;
  compression: "gzip" | "none";
  /** Bytes of the data layer as stored (compressed or not) and as a tar. */
  layerBytes: number;
  layerTarBytes: number;
  /** Time to write the layers, and to push/write the image. */
  layerSeconds: number;
  writeSeconds: number;
}

interface BuildOut {
  image: string; digest: string; layerDigest: string; layerBytes: number; layerTarBytes: number;
  layerSeconds: number; writeSeconds: number;
}

const RESTORE_FILES = ["bake-restore.sh", "replica.conf", "pg_hba.conf", "pg_hba-loopback-trust.conf", "pg_hba-no-tls.conf"];

/** Give the dump to the restore user: a hard link where it can read the file (true), else a private copy. */
function placeDump(src: string, dest: string, uid: number): boolean {
  const st = fs.statSync(src);
  if (st.mode & 0o004 || st.uid === uid) {
    try {
      fs.linkSync(src, dest);
      return true;
    } catch {
      /* another filesystem: copy */
    }
  }
  fs.copyFileSync(src, dest, fs.constants.COPYFILE_FICLONE);
  return false;
}

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else fs.chownSync(p, uid, gid);
  }
}

function freeMegabytes(dir: string): string {
  try {
    const st = fs.statfsSync(dir);
    return ((st.bavail * st.bsize) / 1e6).toFixed(0);
  } catch {
    return "?";
  }
}

/** Keyed by the engine's release and the recipe: a cached cluster is only reused by the same initdb. */
function initdbCacheName(version: string): string {
  return `dbplace-initdb-${version}-${crypto.createHash("sha256").update(RESTORE_SCRIPT).digest("hex").slice(0, 8)}`;
}

export async function bakeDaemonless(opts: DaemonlessBakeOptions): Promise<DaemonlessBakeResult> {
  const t0 = Date.now();
  const say = opts.onProgress ?? (() => undefined);
  checkImageName(opts.image);
  const output = opts.output ?? "load";
  if (!/^(push|load|oci:.+|docker-archive:.+)$/.test(output))
    throw new BakeError("invalid-spec", `output must be push, load, oci:DIR or docker-archive:FILE, got "${output}".`);
  const compression = opts.compression ?? (output === "load" ? "none" : "gzip");
  if (compression !== "gzip" && compression !== "none")
    throw new BakeError("invalid-spec", `compression must be gzip or none, got "${String(compression)}".`);
  if (opts.engine === "mysql")
    throw new BakeError("unsupported", 'The daemonless baker restores with PostgreSQL binaries only; bake engine "mysql" with the docker build baker (bake(), npm run bake without --daemonless).');
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  say(opts.dump === undefined ? "bake: no dump: baking the empty database" : `bake: checking dump ${opts.dump}`);
  const ctx = prepareBakeContext(opts, cacheDir);
  const i = ctx.dumpInfo;
  if (i) say(`bake: dump ok: ${(i.sizeBytes / 1e6).toFixed(1)} MB, ${i.tocEntries} TOC entries, from PostgreSQL ${i.serverVersion.split(" ")[0]}, sha256 ${ctx.digest.slice(0, 16)}`);
  const ref = `${opts.image}:${ctx.tag}`;

  const base = await resolveBase(opts.baseImage, cacheDir, say);
  const engine = await hostEngine(opts.majorVersion, base.facts);
  const warnings = [...engine.warnings];
  const dest = output === "push" ? ref : output === "load" ? undefined : output;
  if (output === "push") {
    say(`bake: checking that ${ref.split("/")[0]} takes a push`);
    await baker(["check-push", "--dest", ref], "registry", `Cannot push ${ref}`, say, "; nothing was restored or pushed.");
  }

  if (output === "load") {
    const v = await docker(["version", "--format", "{{.Server.Version}}"]).catch((e: Error) => ({ code: 1, stderr: e.message }));
    if (v.code !== 0)
      throw new BakeError("docker", `No Docker engine to load the image into (${v.stderr.trim().split("\n").pop()}); ` +
        "push it (--push) or write it (--output oci:DIR or docker-archive:FILE), which need none.");
  }

  const user = await restoreUser();
  const workRoot = process.env.DBPLACE_BAKE_WORKDIR ?? (user.name ? "/var/tmp" : path.join(cacheDir, "bake", "work"));
  fs.mkdirSync(workRoot, { recursive: true });
  const work = fs.mkdtempSync(path.join(workRoot, "dbplace-bake-"));
  try {
    const files = path.join(work, "files");
    const tmp = path.join(work, "tmp");
    fs.mkdirSync(files);
    fs.mkdirSync(tmp);
    for (const f of RESTORE_FILES) fs.copyFileSync(path.join(ctx.dir, f), path.join(files, f));
    if (user.name) chownTree(work, user.uid, user.gid);
    // After the chown: a hard link shares its inode with the caller's dump, whose owner must not change.
    if (!placeDump(path.join(ctx.dir, "dump.pgdump"), path.join(files, "dump.pgdump"), user.uid) && user.name)
      fs.chownSync(path.join(files, "dump.pgdump"), user.uid, user.gid);
    const dataDir = path.join(work, "data");

    const buildArgs = { ...ctx.buildArgs, BAKED_AT: new Date().toISOString() };
    const out = new RestoreOutput();
    say(`bake: restoring on this host with PostgreSQL ${engine.version} (${engine.bin})${user.name ? ` as ${user.name}` : ""}`);
    const r = await runHostRestore({
      script: path.join(files, "bake-restore.sh"), filesDir: files, dataDir, tmpDir: tmp, bin: engine.bin, user,
      env: { ...buildArgs, DBPLACE_LOCALES: await sharedLocales(base.facts), DBPLACE_INITDB_CACHE: path.join(workRoot, initdbCacheName(engine.version)) },
      onLine: (l) => {
        out.line(l, [SCRIPT_STEP]);
        say(l);
      },
    });
    out.done();
    if (r.code !== 0) {
      if (/no space left on device/i.test(`${r.stderr}\n${out.errorText()}`)) {
        throw new BakeError("disk-full", `Bake failed: the disk under ${workRoot} is full (${freeMegabytes(workRoot)} MB free there now; the restore of a ` +
          `${((i?.sizeBytes ?? 0) / 1e6).toFixed(1)} MB dump needs several times that); free space there or set DBPLACE_BAKE_WORKDIR to a bigger disk; ` +
          `nothing was ${output === "push" ? "pushed" : "written"}.`, r.stderr);
      }
      const f = out.failure() ?? new BakeError("restore", `Bake failed: the restore exited with ${r.code} (${r.stderr.trim().split("\n").slice(-3).join(" | ")})`);
      throw new BakeError(f.code, `${f.message.replace(/\.$/, "")}; nothing was ${output === "push" ? "pushed" : "written"}.`, r.stderr);
    }
    warnings.push(...out.warnings);

    const rt = replicaRuntime(opts.majorVersion);
    const spec = {
      base: base.ref, dest: dest ?? `docker-archive:${path.join(work, "image.tar")}`, tag: ref, user: rt.user,
      uid: base.facts.uid, gid: base.facts.gid, dataDir, dataPath: BAKED.dataDir, workDir: work, compression,
      files: [{ src: path.join(ctx.dir, "dbplace-start"), path: START_SCRIPT_PATH, mode: 0o755 }],
      comment: `${opts.database} from dump ${ctx.digest.slice(0, 16)}`,
      config: {
        Env: Object.entries(rt.env).map(([k, v]) => `${k}=${v}`), Entrypoint: rt.entrypoint, User: rt.user,
        WorkingDir: rt.workingDir, ExposedPorts: { [`${rt.port}/tcp`]: {} }, StopSignal: rt.stopSignal,
        Labels: { ...labelsFor(buildArgs), ...(opts.extraLabels ?? {}) },
      },
    };
    fs.writeFileSync(path.join(work, "spec.json"), JSON.stringify(spec));
    say(`bake: writing the data layer and ${output === "push" ? `pushing ${ref}` : output === "load" ? "loading it into docker" : `writing ${output}`}`);
    const b = await baker<BuildOut>(["build", "--spec", path.join(work, "spec.json")], output === "push" ? "registry" : "baker",
      output === "push" ? `Bake failed while pushing ${ref}` : "Bake failed while writing the image", say,
      output === "push" ? "; the tag was not written (a push names its tag last)." : "");
    let where = b.image;
    if (output === "load") {
      const l = await docker(["load", "-i", path.join(work, "image.tar")]);
      if (l.code !== 0) throw new BakeError("docker", `docker load of the baked image failed: ${l.stderr.trim()}`);
      where = ref;
      for (const t of opts.alsoTag ?? []) await dockerOk(["tag", ref, `${opts.image}:${t}`]);
    } else if (output === "push") {
      for (const t of opts.alsoTag ?? [])
        await baker(["convert", "--from", b.image, "--to", `${opts.image}:${t}`], "registry", `Cannot tag ${opts.image}:${t}`, say);
    }
    const seconds = (Date.now() - t0) / 1000;
    const restoreMs = out.num("restore_ms");
    say(`bake: ${where} in ${seconds.toFixed(1)} s (restore ${restoreMs === undefined ? "?" : (restoreMs / 1000).toFixed(1)} s, layer ${b.layerSeconds.toFixed(1)} s, ${output} ${b.writeSeconds.toFixed(1)} s)`);
    return {
      compression, image: ref, tag: ctx.tag, digest: ctx.digest, seconds, labels: spec.config.Labels, dbBytes: out.num("db_bytes"),
      dataDirBytes: out.num("data_dir_bytes"), restoreSeconds: restoreMs === undefined ? undefined : restoreMs / 1000, warnings,
      steps: out.steps, ref: where, imageDigest: b.digest, layerBytes: b.layerBytes, layerTarBytes: b.layerTarBytes,
      layerSeconds: b.layerSeconds, writeSeconds: b.writeSeconds,
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

