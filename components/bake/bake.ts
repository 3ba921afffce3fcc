// bake(): build a baked replica image from a dump with `docker build`.
// A failed bake leaves every existing tag untouched (docker only tags on
// success) and reports why in one sentence.
import { prepareBakeContext, labelsFor } from "./context";
import { docker, dockerOk } from "./docker";
import { BakeError, BakeSpec, defaultCacheDir } from "./types";

export interface BakeOptions extends BakeSpec {
  /** Image repository, e.g. "dbplace/app-replica"; the tag comes from the dump digest. */
  image: string;
  onProgress?: (line: string) => void;
  cacheDir?: string;
  /** Extra labels for the final image (e.g. for test cleanup). */
  extraLabels?: Record<string, string>;
  /** Further tags to point at the result, e.g. ["latest"]. */
  alsoTag?: string[];
}

export interface BakeResult {
  /** Full reference repo:tag. */
  image: string;
  tag: string;
  digest: string;
  seconds: number;
  labels: Record<string, string>;
  /** pg_database_size of the restored database, and du of the data dir (= the data layer). */
  dbBytes?: number;
  dataDirBytes?: number;
  warnings: string[];
}

const MARK = { step: "DBPLACE-BAKE-STEP:", error: "DBPLACE-BAKE-ERROR:", warn: "DBPLACE-BAKE-WARNING:", info: "DBPLACE-BAKE-INFO:" };

function classify(msg: string): BakeError {
  if (/truncated/i.test(msg)) return new BakeError("dump-truncated", `Bake failed: ${msg}`);
  if (/custom-format|not a pg_dump/i.test(msg)) return new BakeError("dump-format", `Bake failed: ${msg}`);
  if (/newer pg_dump|major version/i.test(msg)) return new BakeError("engine-mismatch", `Bake failed: ${msg}`);
  return new BakeError("restore", `Bake failed: ${msg}`);
}

async function ensureEngine(baseImage: string): Promise<void> {
  const v = await docker(["version", "--format", "{{.Server.Version}}"]);
  if (v.code !== 0)
    throw new BakeError("docker", `The Docker engine is not reachable (${v.stderr.trim().split("\n").pop()}); start it with tools/docker/ensure-dockerd.sh.`);
  const b = await docker(["image", "inspect", "--format", "{{.Id}}", baseImage]);
  if (b.code !== 0)
    throw new BakeError("base-image", `The base image ${baseImage} is not in the local Docker engine; build it with tools/docker/base-image.sh (or docker pull it if it lives in a registry you can reach).`);
}

/** Remove the restore stage (it holds a copy of the dump) once the bake is over. */
async function dropRestoreStage(digest: string): Promise<void> {
  const ids = await docker(["image", "ls", "-a", "-q", "--filter", "label=dbplace.bake.stage=restore",
    "--filter", `label=dbplace.bake.dump-digest=${digest}`, "--filter", "dangling=true"]);
  const list = [...new Set(ids.stdout.split(/\s+/).filter(Boolean))];
  if (list.length) await docker(["image", "rm", "--force", ...list]);
}

export async function bake(opts: BakeOptions): Promise<BakeResult> {
  const t0 = Date.now();
  const say = opts.onProgress ?? (() => undefined);
  if (!opts.image || !/^[a-z0-9][a-z0-9._\/:-]*$/.test(opts.image) || /:[^/]*$/.test(opts.image))
    throw new BakeError("invalid-spec", `image must be a repository name without a tag (the tag is derived from the dump), got "${opts.image}".`);
  say(`bake: checking dump ${opts.dump}`);
  const ctx = prepareBakeContext(opts, opts.cacheDir ?? defaultCacheDir());
  const i = ctx.dumpInfo;
  say(`bake: dump ok: ${(i.sizeBytes / 1e6).toFixed(1)} MB, ${i.tocEntries} TOC entries, ${i.dataBlocks} data blocks, from PostgreSQL ${i.serverVersion.split(" ")[0]} at ${i.createdAt.toISOString()}, sha256 ${ctx.digest.slice(0, 16)}`);
  await ensureEngine(opts.baseImage);

  // The CLI path records the real bake time; the Pulumi path keeps the
  // stable value from the context so previews stay diff-free.
  const buildArgs = { ...ctx.buildArgs, BAKED_AT: new Date().toISOString() };
  const ref = `${opts.image}:${ctx.tag}`;
  const args = ["build", "--force-rm", "--network", "none", "-f", ctx.dockerfile, "-t", ref];
  for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.extraLabels ?? {})) args.push("--label", `${k}=${v}`);
  args.push(ctx.dir);

  const errors: string[] = [];
  const warnings: string[] = [];
  let info = "";
  say(`bake: docker build -t ${ref} (context ${ctx.dir})`);
  // Classic builder by default: it needs no buildx plugin and streams RUN
  // output line by line; DBPLACE_BUILDKIT=1 switches to BuildKit.
  const env = { ...process.env, DOCKER_BUILDKIT: process.env.DBPLACE_BUILDKIT === "1" ? "1" : "0" };
  const res = await docker(args, {
    env,
    keep: 64 * 1024,
    onLine: (line) => {
      const at = (m: string) => line.indexOf(m);
      if (at(MARK.error) >= 0) errors.push(line.slice(at(MARK.error) + MARK.error.length).trim());
      else if (at(MARK.warn) >= 0) warnings.push(line.slice(at(MARK.warn) + MARK.warn.length).trim());
      else if (at(MARK.info) >= 0) info = line.slice(at(MARK.info) + MARK.info.length);
      if (/DEPRECATED: The legacy builder|BuildKit is currently disabled|environment-variable\.$|Install the buildx/.test(line)) return;
      say(line);
    },
  });
  await dropRestoreStage(ctx.digest).catch(() => undefined);
  if (res.code !== 0) {
    if (errors.length) throw classify(errors[errors.length - 1]);
    const noise = /DEPRECATED|BuildKit is currently|environment-variable|buildx|^\s*$/;
    const tail = (res.stderr || res.stdout).split("\n").filter((l) => !noise.test(l)).slice(-3).join(" | ");
    throw new BakeError("docker", `Bake failed: docker build exited with ${res.code} (${tail}); the previous image tags are untouched.`, res.stderr);
  }
  for (const t of opts.alsoTag ?? []) await dockerOk(["tag", ref, `${opts.image}:${t}`]);
  const num = (k: string) => {
    const m = new RegExp(`${k}=(\\d+)`).exec(info);
    return m ? Number(m[1]) : undefined;
  };
  const seconds = (Date.now() - t0) / 1000;
  say(`bake: built ${ref} in ${seconds.toFixed(1)} s`);
  return { image: ref, tag: ctx.tag, digest: ctx.digest, seconds, labels: labelsFor(buildArgs), dbBytes: num("db_bytes"), dataDirBytes: num("data_dir_bytes"), warnings };
}
