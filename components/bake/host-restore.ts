// The restore of a daemonless bake: RESTORE_SCRIPT (the same recipe docker build runs) on this host,
// with the engine's own binaries, into a work directory. The result must start under the base image's
// postgres, so the host's engine must be the same major version (the on-disk format) and, for text
// sort order, the same C library; locales are limited to those both sides have.
import * as fs from "fs";
import * as path from "path";
import { BaseFacts } from "./base-image";
import { run } from "./docker";
import { BakeError } from "./types";

export interface HostEngine {
  bin: string;
  /** e.g. "15.18" */
  version: string;
  warnings: string[];
}

const debVersion = (v?: string) => v?.replace(/^\d+:/, "");

/** Check the host's PostgreSQL against the base image; throws with the install command when it is missing. */
export async function hostEngine(major: string, facts: BaseFacts): Promise<HostEngine> {
  const bin = process.env.DBPLACE_PG_BIN ?? `/usr/lib/postgresql/${major}/bin`;
  if (!fs.existsSync(path.join(bin, "postgres")) || !fs.existsSync(path.join(bin, "pg_restore")))
    throw new BakeError("host-engine", `The daemonless baker restores with this host's PostgreSQL ${major}, but ${bin}/postgres is missing: ` +
      `run tools/baker/ensure-engine.sh (apt-get install -y postgresql-${major}), or bake with --builder docker.`);
  const v = await run(path.join(bin, "postgres"), ["-V"]);
  const version = /\(PostgreSQL\) (\d+(?:\.\d+)?)/.exec(v.stdout)?.[1] ?? "";
  if (version.split(".")[0] !== major)
    throw new BakeError("host-engine", `${bin}/postgres is PostgreSQL ${version || "?"}, but the base image is PostgreSQL ${major}; a data directory only starts under the same major version.`);
  const warnings: string[] = [];
  const imagePg = debVersion(facts.packages[`postgresql-${major}`]);
  if (imagePg && !imagePg.startsWith(`${version}-`) && imagePg !== version)
    warnings.push(`the host has PostgreSQL ${version}, the base image ${imagePg}: same major (same on-disk format), different minor release.`);
  const hostLibc = (await run("dpkg-query", ["-W", "-f", "${Version}", "libc6"]).catch(() => undefined))?.stdout.trim();
  const imageLibc = debVersion(facts.packages.libc6);
  if (hostLibc && imageLibc && debVersion(hostLibc) !== imageLibc)
    warnings.push(`the host's C library (libc6 ${hostLibc}) differs from the base image's (${imageLibc}): indexes on text in a non-C locale may sort differently.`);
  return { bin, version, warnings };
}

/** Locales the restore may create the database with: on the host and in the base image. */
export async function sharedLocales(facts: BaseFacts): Promise<string> {
  const host = (await run("locale", ["-a"]).catch(() => ({ stdout: "C\nPOSIX\nC.utf8" }))).stdout.split(/\s+/).filter(Boolean);
  const image = new Set(["c", "posix", ...(facts.locales ?? []).map((l) => l.toLowerCase())]);
  return host.filter((l) => image.has(l.toLowerCase())).join(" ");
}

/** The OS user the restore runs as: ourselves, or (as root, which PostgreSQL refuses) the host's postgres. */
export async function restoreUser(): Promise<{ uid: number; gid: number; name?: string }> {
  if (process.getuid?.() !== 0) return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const r = await run("id", ["-u", "postgres"]);
  const g = await run("id", ["-g", "postgres"]);
  if (r.code !== 0) throw new BakeError("host-engine", "Running as root, the restore needs the host's postgres user (PostgreSQL refuses to run as root); install postgresql-15 or run as another user.");
  return { uid: Number(r.stdout), gid: Number(g.stdout), name: "postgres" };
}

export interface HostRestore {
  script: string;
  filesDir: string;
  dataDir: string;
  tmpDir: string;
  env: Record<string, string>;
  bin: string;
  user: { uid: number; gid: number; name?: string };
  onLine: (line: string) => void;
}

/** Run the restore script; returns its exit code and output tail. Never leaves a server running. */
export async function runHostRestore(h: HostRestore): Promise<{ code: number; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: `${h.bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, LANG: "C.UTF-8", TZ: "UTC", HOME: h.tmpDir,
    DBPLACE_DATA_DIR: h.dataDir, DBPLACE_BAKE_FILES: h.filesDir, DBPLACE_BAKE_TMP: h.tmpDir, ...h.env,
  };
  const as = (c: string[]): [string, string[]] =>
    h.user.name ? ["setpriv", [`--reuid=${h.user.uid}`, `--regid=${h.user.gid}`, "--init-groups", ...c]] : [c[0], c.slice(1)];
  try {
    const r = await run(...as(["bash", h.script]), { env, keep: 64 * 1024, onLine: h.onLine });
    return { code: r.code, stderr: r.stderr };
  } finally {
    // A failed restore exits with its temporary server still up (in docker build the container's end stops it).
    if (fs.existsSync(path.join(h.dataDir, "postmaster.pid")))
      await run(...as([path.join(h.bin, "pg_ctl"), "-D", h.dataDir, "-m", "immediate", "-w", "stop"]), { env }).catch(() => undefined);
  }
}
