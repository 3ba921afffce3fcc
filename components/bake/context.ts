// prepareBakeContext: validate a dump quickly and lay out a docker build
// context for it, keyed by the dump digest. Synchronous on purpose: the
// Pulumi program calls it while building the resource graph.
import * as fs from "fs";
import * as path from "path";
import * as crypto from "crypto";
import { sha256FileSync } from "./digest";
import { renderDockerfile, renderDockerfileBuildkit, replicaRuntime, LABEL_ARGS } from "./dockerfile";
import { inspectDump } from "./dumpfile";
import { resolveDumpSync } from "./fetch";
import { REPLICA_CONF, REPLICA_HBA, REPLICA_HBA_LOOPBACK_TRUST, REPLICA_HBA_NO_TLS } from "./replica-config";
import { START_SCRIPT } from "./start-script";
import { RESTORE_SCRIPT } from "./restore-script";
import { isScramVerifier } from "./scram";
import { mysqlLabelsFor, prepareMysqlBakeContext } from "./mysql-context";
import { BakeContext, BakeError, BakeSpec, DumpInfo, defaultCacheDir } from "./types";

export interface PreparedBake extends BakeContext {
  /** Undefined when there is no dump: the bake is of the empty database (see prepareBakeContext). */
  dumpPath?: string;
  dumpInfo?: DumpInfo;
}

/** sha256 of zero bytes: the empty bake's "dump". */
export const EMPTY_DIGEST = crypto.createHash("sha256").digest("hex");

function validateSpec(spec: BakeSpec): void {
  if (spec.engine !== "postgres")
    throw new BakeError("invalid-spec", `Unknown engine "${String(spec.engine)}"; use "postgres" or "mysql".`);
  if (!/^\d+$/.test(spec.majorVersion ?? ""))
    throw new BakeError("invalid-spec", `majorVersion must be a PostgreSQL major like "15", got "${spec.majorVersion}".`);
  if (Number(spec.majorVersion) < 14)
    throw new BakeError("invalid-spec", `majorVersion ${spec.majorVersion} is too old: baked replicas need PostgreSQL 14+ (pg_read_all_data).`);
  if (!spec.baseImage) throw new BakeError("invalid-spec", "baseImage is required, e.g. dbplace/postgres:15 (build it with tools/docker/base-image.sh).");
  if (!spec.database || spec.database.length > 63 || /\0/.test(spec.database))
    throw new BakeError("invalid-spec", `database must be a PostgreSQL database name (1-63 characters), got "${spec.database ?? ""}".`);
  if (spec.dump !== undefined && !spec.dump) throw new BakeError("invalid-spec", "dump must be a pg_dump -Fc file path, file:// or http(s):// URL; leave it out to bake the empty database.");
  if (spec.readerVerifier && !isScramVerifier(spec.readerVerifier))
    throw new BakeError("invalid-spec", "readerVerifier must be a SCRAM-SHA-256 verifier (use scramVerifier(password)), never a plaintext password.");
  if (spec.restoreJobs !== undefined && (!Number.isInteger(spec.restoreJobs) || spec.restoreJobs < 1 || spec.restoreJobs > 64))
    throw new BakeError("invalid-spec", `restoreJobs must be an integer between 1 and 64, got ${spec.restoreJobs}.`);
}

/** Write a file only when its content changed (keeps mtimes, and docker's cache, stable). */
function writeIfChanged(file: string, content: string, mode = 0o644): void {
  try {
    if (fs.readFileSync(file, "utf8") === content) return;
  } catch {
    /* missing: write it */
  }
  fs.writeFileSync(file, content, { mode });
}

/**
 * Put the dump into the context. A copy (a reflink where the filesystem can)
 * is immune to the source being rewritten in place later (pg_dump -f reuses
 * the inode); only dumps too big to copy cheaply are hard-linked.
 */
const LINK_ABOVE_BYTES = 256 * 1024 * 1024;
function linkOrCopy(src: string, dest: string): void {
  try {
    const a = fs.statSync(src);
    const b = fs.statSync(dest);
    if (a.dev === b.dev && a.ino === b.ino) return;
    // The directory is keyed by digest, so a same-size file is an earlier copy.
    if (a.size === b.size) return;
    fs.rmSync(dest);
  } catch {
    /* dest missing */
  }
  const tmp = `${dest}.${process.pid}.tmp`;
  let linked = false;
  if (fs.statSync(src).size > LINK_ABOVE_BYTES) {
    try {
      fs.linkSync(src, tmp);
      linked = true;
    } catch {
      /* other filesystem, or links not allowed: copy */
    }
  }
  if (!linked) fs.copyFileSync(src, tmp, fs.constants.COPYFILE_FICLONE);
  fs.renameSync(tmp, dest);
}

/**
 * Without `spec.dump` the image holds the empty database: what a freshly initialised master holds, so
 * replicas can start with the master on the first deploy and follow its real dumps from the next bake.
 */
export function prepareBakeContext(spec: BakeSpec, cacheDir: string = defaultCacheDir()): PreparedBake {
  if (spec.engine === "mysql") return prepareMysqlBakeContext(spec, cacheDir);
  validateSpec(spec);
  const dumpPath = spec.dump === undefined ? undefined : resolveDumpSync(spec.dump, cacheDir);
  const dumpInfo = dumpPath === undefined ? undefined : inspectDump(dumpPath, Number(spec.majorVersion));
  if (dumpPath && dumpInfo && spec.restoreJobs && spec.restoreJobs > 1 && !dumpInfo.seekable)
    throw new BakeError("invalid-spec", `The dump ${dumpPath} was written to a pipe (no data offsets), so pg_restore -j cannot use it; re-dump with pg_dump -Fc -f FILE or use restoreJobs 1.`);
  // The empty bake's "dump" is the empty file, so its tag is a digest like any other.
  const digest = dumpPath === undefined ? EMPTY_DIGEST : sha256FileSync(dumpPath, cacheDir);
  const tag = digest.slice(0, 16);

  const dockerfileText = renderDockerfile(spec.baseImage, spec.majorVersion);
  const buildkitText = renderDockerfileBuildkit(spec.baseImage, spec.majorVersion);
  const recipe = crypto.createHash("sha256")
    .update([dockerfileText, buildkitText, RESTORE_SCRIPT, REPLICA_CONF, REPLICA_HBA, REPLICA_HBA_LOOPBACK_TRUST, REPLICA_HBA_NO_TLS, START_SCRIPT].join("\0"))
    .digest("hex").slice(0, 8);
  const dir = path.join(cacheDir, "bake", "contexts", `${tag}-${recipe}`);
  fs.mkdirSync(dir, { recursive: true });
  writeIfChanged(path.join(dir, "Dockerfile"), dockerfileText);
  writeIfChanged(path.join(dir, "Dockerfile.buildkit"), buildkitText);
  writeIfChanged(path.join(dir, "bake-restore.sh"), RESTORE_SCRIPT, 0o755);
  writeIfChanged(path.join(dir, "replica.conf"), REPLICA_CONF);
  writeIfChanged(path.join(dir, "pg_hba.conf"), REPLICA_HBA);
  writeIfChanged(path.join(dir, "pg_hba-loopback-trust.conf"), REPLICA_HBA_LOOPBACK_TRUST);
  writeIfChanged(path.join(dir, "pg_hba-no-tls.conf"), REPLICA_HBA_NO_TLS);
  writeIfChanged(path.join(dir, "dbplace-start"), START_SCRIPT, 0o755);
  if (dumpPath === undefined) writeIfChanged(path.join(dir, "dump.pgdump"), "");
  else linkOrCopy(dumpPath, path.join(dir, "dump.pgdump"));

  // BAKED_AT must be stable for a given dump, or every `pulumi preview` would
  // show a diff; the first preparation of this digest fixes it.
  const bakedAtFile = path.join(dir, "baked-at");
  let bakedAt: string;
  try {
    bakedAt = fs.readFileSync(bakedAtFile, "utf8").trim();
  } catch {
    bakedAt = new Date().toISOString();
    fs.writeFileSync(bakedAtFile, bakedAt);
  }

  const buildArgs: Record<string, string> = {
    BASE_IMAGE: spec.baseImage,
    DATABASE: spec.database,
    SOURCE: spec.source ?? "",
    DUMP_DIGEST: digest,
    DUMPED_AT: dumpInfo?.createdAt.toISOString() ?? "",
    BAKED_AT: bakedAt,
    READER_VERIFIER: spec.readerVerifier ?? "",
    RESTORE_JOBS: String(spec.restoreJobs ?? 1),
    DUMP_ENCODING: dumpInfo?.encoding ?? "UTF8",
    DUMP_LOCALE: dumpInfo?.locale ?? "C.UTF-8",
    PG_MAJOR: spec.majorVersion,
  };
  return { dir, dockerfile: path.join(dir, "Dockerfile"), dockerfileBuildkit: path.join(dir, "Dockerfile.buildkit"), digest, tag, labels: labelsFor(buildArgs), buildArgs, dumpPath, dumpInfo };
}

/** The labels an image built with these args carries. */
export function labelsFor(buildArgs: Record<string, string>): Record<string, string> {
  if (buildArgs.ENGINE === "mysql") return mysqlLabelsFor(buildArgs);
  const labels: Record<string, string> = { ...replicaRuntime("").fixedLabels };
  for (const [k, a] of Object.entries(LABEL_ARGS)) labels[k] = buildArgs[a] ?? "";
  return labels;
}
