// prepareMysqlBakeContext: the MySQL/MariaDB counterpart of prepareBakeContext. The dump is a plain SQL
// file from `mysqldump --single-transaction` (or mariadb-dump) of one database; the build is the same
// docker build as for PostgreSQL (bake.ts), with this engine's Dockerfile, restore script and entrypoint.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { sha256FileSync } from "./digest";
import { resolveDumpSync } from "./fetch";
import { BAKED_MYSQL, MYSQL_REPLICA_CNF, MYSQL_RESTORE_SCRIPT, MYSQL_START_SCRIPT } from "./restore-mysql";
import { START_SCRIPT_PATH } from "./start-script";
import { BakeContext, BakeError, BakeSpec } from "./types";

export const MYSQL_BUILD_ARGS = [
  "BASE_IMAGE", "DATABASE", "SOURCE", "DUMP_DIGEST", "DUMPED_AT", "BAKED_AT", "READER_HASH", "MAJOR_VERSION", "ENGINE",
] as const;

const MYSQL_LABEL_ARGS: Record<string, (typeof MYSQL_BUILD_ARGS)[number]> = {
  "dbplace.bake.source": "SOURCE",
  "dbplace.bake.dump-digest": "DUMP_DIGEST",
  "dbplace.bake.dumped-at": "DUMPED_AT",
  "dbplace.bake.baked-at": "BAKED_AT",
  "dbplace.bake.database": "DATABASE",
  "dbplace.bake.major-version": "MAJOR_VERSION",
  "dbplace.bake.base-image": "BASE_IMAGE",
  "dbplace.bake.engine": "ENGINE",
  "org.opencontainers.image.created": "BAKED_AT",
};
const MYSQL_FIXED_LABELS: Record<string, string> = {
  "dbplace.bake.stage": "replica", "dbplace.bake.reader-role": BAKED_MYSQL.readerRole, "dbplace.bake.data-dir": BAKED_MYSQL.dataDir,
};

/** The labels a MySQL bake with these args carries. */
export function mysqlLabelsFor(buildArgs: Record<string, string>): Record<string, string> {
  const labels = { ...MYSQL_FIXED_LABELS };
  for (const [k, a] of Object.entries(MYSQL_LABEL_ARGS)) labels[k] = buildArgs[a] ?? "";
  return labels;
}

/** mysql_native_password hash ("*" + SHA1(SHA1(password)) in hex): the only form of the reader's password the image holds. */
export function mysqlNativeHash(password: string): string {
  const inner = crypto.createHash("sha1").update(password, "utf8").digest();
  return "*" + crypto.createHash("sha1").update(inner).digest("hex").toUpperCase();
}

export interface MysqlDumpInfo {
  /** "MariaDB" or "MySQL", from mysqldump's header. */
  flavour: string;
  serverVersion?: string;
  /** The dumped database, from the "-- Host: … Database: NAME" header line. */
  database?: string;
  /** From "-- Dump completed on ..." (the dump host's local time; our containers run in UTC). */
  completedAt?: Date;
  sizeBytes: number;
}

/** Reads the head and tail of a mysqldump file: refuses other formats and dumps without their last line. */
export function inspectMysqlDump(file: string): MysqlDumpInfo {
  const size = fs.statSync(file).size;
  if (size === 0) throw new BakeError("dump-format", `The dump ${file} is empty; the dump job probably failed before writing anything.`);
  const fd = fs.openSync(file, "r");
  try {
    const head = Buffer.alloc(Math.min(size, 64 * 1024));
    fs.readSync(fd, head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(size, 512));
    fs.readSync(fd, tail, 0, tail.length, size - tail.length);
    const h = head.toString("latin1");
    if (h.startsWith("PGDMP"))
      throw new BakeError("engine-mismatch", `${file} is a PostgreSQL custom-format dump but the bake spec says engine "mysql"; set engine "postgres" or point at a mysqldump file.`);
    if (head[0] === 0x1f && head[1] === 0x8b)
      throw new BakeError("dump-format", `${file} is gzip-compressed; decompress it (gunzip) before baking.`);
    // MariaDB 10.11.8+ and 11.x open with a sandbox-mode comment line before the usual header.
    const m = /^(?:\/\*M?!999999\\- enable the sandbox mode \*\/\s*\n)?-- (MySQL|MariaDB) dump [^\n]*/.exec(h);
    if (!m) throw new BakeError("dump-format", `${file} is not a mysqldump file (it does not start with "-- MySQL dump" or "-- MariaDB dump"); dump with mysqldump --single-transaction DB > FILE.`);
    // --databases/--all-databases dumps switch database themselves and would bypass the database we serve.
    if (/^(USE|CREATE DATABASE) /m.test(h))
      throw new BakeError("dump-format", `${file} selects its own database (USE/CREATE DATABASE, from mysqldump --databases or --all-databases); dump one database without those options: mysqldump --single-transaction DB > FILE.`);
    const done = /-- Dump completed(?: on (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d))?/.exec(tail.toString("latin1"));
    if (!done) throw new BakeError("dump-truncated", `The dump ${file} is truncated: it does not end with mysqldump's "-- Dump completed" line; re-take or re-download the dump.`);
    const flavour = /MariaDB/.test(m[0]) || /MariaDB/.test(/^-- Server version[^\n]*/m.exec(h)?.[0] ?? "") ? "MariaDB" : "MySQL";
    return {
      flavour,
      serverVersion: /^-- Server version\s+([^\n]+)/m.exec(h)?.[1]?.trim(),
      database: /^-- Host: .*\bDatabase: (\S+)\s*$/m.exec(h)?.[1],
      completedAt: done[1] ? new Date(done[1].replace(" ", "T") + "Z") : undefined,
      sizeBytes: size,
    };
  } finally {
    fs.closeSync(fd);
  }
}

function validateMysqlSpec(spec: BakeSpec): void {
  if (!/^\d+(\.\d+)?$/.test(spec.majorVersion ?? ""))
    throw new BakeError("invalid-spec", `majorVersion must be a MySQL/MariaDB version like "8.0" or "10.11", got "${spec.majorVersion}".`);
  if (!spec.baseImage) throw new BakeError("invalid-spec", "baseImage is required, e.g. dbplace/mariadb:10.11 (build it with tools/docker/mariadb-base-image.sh).");
  if (!spec.database || spec.database.length > 64 || /[\0/\\.]/.test(spec.database))
    throw new BakeError("invalid-spec", `database must be a MySQL database name (1-64 characters, no / \\ or .), got "${spec.database ?? ""}".`);
  if (spec.dump !== undefined && !spec.dump) throw new BakeError("invalid-spec", "dump must be a mysqldump file path, file:// or http(s):// URL; leave it out to bake the empty database.");
  if (spec.restoreJobs !== undefined && spec.restoreJobs !== 1)
    throw new BakeError("invalid-spec", `restoreJobs must be 1 for engine "mysql" (a mysqldump file restores in one stream), got ${spec.restoreJobs}.`);
  if (spec.readerVerifier && !/^\*[0-9A-F]{40}$/.test(spec.readerVerifier))
    throw new BakeError("invalid-spec", "readerVerifier must be a mysql_native_password hash for engine mysql (use mysqlNativeHash(password)), never a plaintext password.");
}

/** Multi-stage Dockerfile: the dump stays in the restore stage, the replica gets the base rootfs (without its VOLUME) plus the data. */
export function renderMysqlDockerfile(baseImage: string): string {
  const H = BAKED_MYSQL.home;
  const run = `["bash", "-c", "mkdir -p ${H} && chown mysql:mysql ${H} && exec setpriv --reuid=mysql --regid=mysql --init-groups bash /bake/bake-restore.sh"]`;
  const labels = Object.entries(MYSQL_LABEL_ARGS).map(([k, a]) => `      ${k}="\${${a}}"`).join(" \\\n");
  const fixed = Object.entries(MYSQL_FIXED_LABELS).map(([k, v]) => `${k}="${v}"`).join(" ");
  return `# Baked MySQL/MariaDB read replica. Generated by components/bake (mysql-context.ts); do not edit.
ARG BASE_IMAGE=${baseImage}
FROM \${BASE_IMAGE} AS base

FROM base AS restore
ARG ${MYSQL_BUILD_ARGS.join(" ")}
LABEL dbplace.bake.stage="restore" dbplace.bake.dump-digest="\${DUMP_DIGEST}"
COPY bake-restore.sh replica.cnf dump.sql /bake/
USER root
RUN ${run}

# FROM scratch plus a copy of the base rootfs: a Dockerfile cannot drop the base's VOLUME /var/lib/mysql.
FROM scratch
ARG ${MYSQL_BUILD_ARGS.join(" ")}
COPY --from=base / /
COPY --from=restore ${H} ${H}
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC
LABEL ${fixed} \\
${labels}
COPY dbplace-start ${START_SCRIPT_PATH}
USER mysql
WORKDIR ${H}
EXPOSE ${BAKED_MYSQL.port}
STOPSIGNAL SIGTERM
ENTRYPOINT ["${START_SCRIPT_PATH}", "replica"]
`;
}

function writeIfChanged(file: string, content: string, mode = 0o644): void {
  try {
    if (fs.readFileSync(file, "utf8") === content) return;
  } catch {
    /* missing */
  }
  fs.writeFileSync(file, content, { mode });
}

export interface PreparedMysqlBake extends BakeContext {
  dumpPath?: string;
  mysqlDump?: MysqlDumpInfo;
}

export function prepareMysqlBakeContext(spec: BakeSpec, cacheDir: string): PreparedMysqlBake {
  validateMysqlSpec(spec);
  const dumpPath = spec.dump === undefined ? undefined : resolveDumpSync(spec.dump, cacheDir);
  const info = dumpPath === undefined ? undefined : inspectMysqlDump(dumpPath);
  const digest = dumpPath === undefined ? crypto.createHash("sha256").digest("hex") : sha256FileSync(dumpPath, cacheDir);
  const tag = digest.slice(0, 16);
  const dockerfileText = renderMysqlDockerfile(spec.baseImage);
  const recipe = crypto.createHash("sha256")
    .update([dockerfileText, MYSQL_RESTORE_SCRIPT, MYSQL_REPLICA_CNF, MYSQL_START_SCRIPT].join("\0")).digest("hex").slice(0, 8);
  const dir = path.join(cacheDir, "bake", "contexts", `mysql-${tag}-${recipe}`);
  fs.mkdirSync(dir, { recursive: true });
  writeIfChanged(path.join(dir, "Dockerfile"), dockerfileText);
  writeIfChanged(path.join(dir, "bake-restore.sh"), MYSQL_RESTORE_SCRIPT, 0o755);
  writeIfChanged(path.join(dir, "replica.cnf"), MYSQL_REPLICA_CNF);
  writeIfChanged(path.join(dir, "dbplace-start"), MYSQL_START_SCRIPT, 0o755);
  const dumpFile = path.join(dir, "dump.sql");
  if (dumpPath === undefined) writeIfChanged(dumpFile, "");
  else if (!fs.existsSync(dumpFile) || fs.statSync(dumpFile).size !== info!.sizeBytes) {
    fs.copyFileSync(dumpPath, `${dumpFile}.${process.pid}.tmp`, fs.constants.COPYFILE_FICLONE);
    fs.renameSync(`${dumpFile}.${process.pid}.tmp`, dumpFile);
  }
  // Stable per dump, so `pulumi preview` shows no diff for the same dump (see context.ts).
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
    DUMPED_AT: info?.completedAt?.toISOString() ?? "",
    BAKED_AT: bakedAt,
    READER_HASH: spec.readerVerifier ?? "",
    MAJOR_VERSION: spec.majorVersion,
    ENGINE: "mysql",
  };
  const dockerfile = path.join(dir, "Dockerfile");
  // One Dockerfile for both builders: the dump is copied into the restore stage only, never the replica.
  return { dir, dockerfile, dockerfileBuildkit: dockerfile, digest, tag, labels: mysqlLabelsFor(buildArgs), buildArgs, dumpPath, mysqlDump: info };
}
