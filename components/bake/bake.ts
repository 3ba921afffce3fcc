// bake(): build a baked replica image from a dump with `docker build`.
// A failed bake leaves every existing tag untouched (docker only tags on
// success) and reports why in one sentence.
import { prepareBakeContext, labelsFor } from "./context";
import * as fs from "fs";
import { docker, dockerOk, run } from "./docker";
import { DOCKER_STEPS, RestoreOutput } from "./progress";
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
  /** Time spent inside the restore step (initdb .. clean shutdown), without docker's share. */
  restoreSeconds?: number;
  warnings: string[];
  /** Wall time of each Dockerfile step, slowest first (where the bake time goes). */
  steps: { step: string; seconds: number }[];
}

/** A repository name without a tag: the tag is always the dump's digest. */
export function checkImageName(image: string): void {
  if (!image || !/^[a-z0-9][a-z0-9._/:-]*$/.test(image) || /:[^/]*$/.test(image))
    throw new BakeError("invalid-spec", `image must be a repository name without a tag (the tag is derived from the dump), got "${image}".`);
}

async function ensureEngine(baseImage: string): Promise<void> {
  const v = await docker(["version", "--format", "{{.Server.Version}}"]);
  if (v.code !== 0)
    throw new BakeError("docker", `The Docker engine is not reachable (${v.stderr.trim().split("\n").pop()}); start it with tools/docker/ensure-dockerd.sh.`);
  const b = await docker(["image", "inspect", "--format", "{{.Id}}", baseImage]);
  if (b.code !== 0)
    throw new BakeError("base-image", `The base image ${baseImage} is not in the local Docker engine; build it with tools/docker/base-image.sh (or docker pull it if it lives in a registry you can reach).`);
}

interface Builder {
  cli: string;
  buildkit: boolean;
}

/**
 * DBPLACE_BUILDER=classic|buildkit|auto (default auto). BuildKit needs either
 * the buildx plugin or a docker CLI with BuildKit built in (Debian's docker.io
 * 20.10 ships one at /usr/bin/docker, while a newer CLI earlier on PATH may
 * not have buildx).
 */
async function pickBuilder(): Promise<Builder> {
  const want = process.env.DBPLACE_BUILDER ?? "auto";
  if (!["auto", "classic", "buildkit"].includes(want))
    throw new BakeError("invalid-spec", `DBPLACE_BUILDER must be auto, classic or buildkit, got "${want}".`);
  if (want === "classic") return { cli: "docker", buildkit: false };
  if ((await docker(["buildx", "version"])).code === 0) return { cli: "docker", buildkit: true };
  for (const cli of ["/usr/bin/docker", "/usr/local/bin/docker"]) {
    if (!fs.existsSync(cli)) continue;
    const v = await run(cli, ["version", "--format", "{{.Client.Version}}"]).catch(() => undefined);
    const major = Number(/^(\d+)\./.exec(v?.stdout.trim() ?? "")?.[1] ?? 0);
    if (major >= 19 && major < 23) return { cli, buildkit: true }; // built-in BuildKit era
  }
  if (want === "buildkit")
    throw new BakeError("docker", "DBPLACE_BUILDER=buildkit but no docker CLI with BuildKit was found (install the buildx plugin); unset it to use the classic builder.");
  return { cli: "docker", buildkit: false };
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
  checkImageName(opts.image);
  say(opts.dump === undefined ? "bake: no dump: baking the empty database" : `bake: checking dump ${opts.dump}`);
  const ctx = prepareBakeContext(opts, opts.cacheDir ?? defaultCacheDir());
  const i = ctx.dumpInfo;
  if (i) say(`bake: dump ok: ${(i.sizeBytes / 1e6).toFixed(1)} MB, ${i.tocEntries} TOC entries, ${i.dataBlocks} data blocks, from PostgreSQL ${i.serverVersion.split(" ")[0]} at ${i.createdAt.toISOString()}, sha256 ${ctx.digest.slice(0, 16)}`);
  await ensureEngine(opts.baseImage);

  // The CLI path records the real bake time; the Pulumi path keeps the
  // stable value from the context so previews stay diff-free.
  const buildArgs = { ...ctx.buildArgs, BAKED_AT: new Date().toISOString() };
  const ref = `${opts.image}:${ctx.tag}`;
  const builder = await pickBuilder();
  const args = builder.buildkit
    ? ["build", "--progress", "plain", "--network", "none", "-f", ctx.dockerfileBuildkit, "-t", ref]
    : ["build", "--force-rm", "--network", "none", "-f", ctx.dockerfile, "-t", ref];
  for (const [k, v] of Object.entries(buildArgs)) args.push("--build-arg", `${k}=${v}`);
  for (const [k, v] of Object.entries(opts.extraLabels ?? {})) args.push("--label", `${k}=${v}`);
  args.push(ctx.dir);

  const out = new RestoreOutput();
  say(`bake: docker build (${builder.buildkit ? "BuildKit" : "classic builder"}) -t ${ref} (context ${ctx.dir})`);
  const env = { ...process.env, DOCKER_BUILDKIT: builder.buildkit ? "1" : "0" };
  const res = await run(builder.cli, args, {
    env,
    keep: 64 * 1024,
    onLine: (line) => {
      out.line(line, DOCKER_STEPS);
      if (/DEPRECATED: The legacy builder|BuildKit is currently disabled|environment-variable\.$|Install the buildx/.test(line)) return;
      say(line);
    },
  });
  out.done();
  const steps = out.steps;
  await dropRestoreStage(ctx.digest).catch(() => undefined);
  if (res.code !== 0) {
    const failure = out.failure();
    if (failure) throw failure;
    const noise = /DEPRECATED|BuildKit is currently|environment-variable|buildx|^\s*$/;
    const tail = (res.stderr || res.stdout).split("\n").filter((l) => !noise.test(l)).slice(-3).join(" | ");
    throw new BakeError("docker", `Bake failed: docker build exited with ${res.code} (${tail}); the previous image tags are untouched.`, res.stderr);
  }
  for (const t of opts.alsoTag ?? []) await dockerOk(["tag", ref, `${opts.image}:${t}`]);
  const seconds = (Date.now() - t0) / 1000;
  say(`bake: built ${ref} in ${seconds.toFixed(1)} s (slowest steps: ${steps.slice(0, 3).map((x) => `${x.step} ${x.seconds.toFixed(1)} s`).join("; ")})`);
  return { image: ref, tag: ctx.tag, digest: ctx.digest, seconds, labels: labelsFor(buildArgs), dbBytes: out.num("db_bytes"), dataDirBytes: out.num("data_dir_bytes"),
    restoreSeconds: out.num("restore_ms") === undefined ? undefined : (out.num("restore_ms") as number) / 1000, warnings: out.warnings, steps };
}
