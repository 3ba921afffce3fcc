// Docker-tier test environment: start dockerd and build the base image via
// the same scripts CI uses, and label everything a run creates so that
// cleanup (even after a crashed run) can find it.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { docker, run } from "../../../components/bake/docker";

export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
export const LABEL = "dbplace.e2e";
export const RUN_ID = `${process.pid}-${Date.now().toString(36)}`;
export const BASE_IMAGE = process.env.DBPLACE_BASE_IMAGE ?? "dbplace/postgres:15";

let ready = false;
/** Idempotent: installs/starts dockerd and builds the base image when missing. */
export function ensureDockerAndBaseImage(): void {
  if (ready) return;
  const tools = path.join(REPO_ROOT, "tools", "docker");
  execFileSync(path.join(tools, "ensure-dockerd.sh"), { stdio: "inherit" });
  execFileSync(path.join(tools, "base-image.sh"), ["--no-exporter"], { stdio: "inherit" });
  ready = true;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

export interface Started {
  name: string;
  port: number;
}

/** docker run -d with our label, port 5432 published on a random 127.0.0.1 port. */
export async function startContainer(name: string, image: string, extra: string[] = [], cmd: string[] = []): Promise<Started> {
  const r = await docker(["run", "-d", "--name", name, "--label", `${LABEL}=${RUN_ID}`, "-p", "127.0.0.1::5432", ...extra, image, ...cmd]);
  if (r.code !== 0) throw new Error(`docker run ${image} failed: ${r.stderr.trim()}`);
  const p = await docker(["port", name, "5432/tcp"]);
  const m = /127\.0\.0\.1:(\d+)/.exec(p.stdout);
  if (!m) throw new Error(`container ${name} has no published port: ${p.stdout} ${p.stderr}`);
  return { name, port: Number(m[1]) };
}

/** Poll an exec probe until it passes; returns milliseconds waited. */
export async function waitExec(name: string, cmd: string[], timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const r = await docker(["exec", name, ...cmd]);
    if (r.code === 0) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) {
      const logs = await docker(["logs", "--tail", "20", name]);
      throw new Error(`${name} not ready after ${timeoutMs} ms: ${r.stderr.trim()}\n${logs.stdout}${logs.stderr}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

export async function removeRunContainers(): Promise<void> {
  const ids = await docker(["ps", "-aq", "--filter", `label=${LABEL}`]);
  const list = ids.stdout.split(/\s+/).filter(Boolean);
  if (list.length) await docker(["rm", "-f", "-v", ...list]);
}

export async function removeImages(repo: string): Promise<void> {
  const ids = await docker(["image", "ls", "-q", repo]);
  const list = [...new Set(ids.stdout.split(/\s+/).filter(Boolean))];
  if (list.length) await docker(["image", "rm", "-f", ...list]);
}

export class PsqlError extends Error {}

export interface Conn {
  port: number;
  user: string;
  password: string;
  database: string;
}

/** One statement through the host psql (a real TCP client, like an app). */
export async function psql(c: Conn, sql: string, timeoutSec = 5): Promise<string> {
  const r = await run("psql", ["-XAtq", "-w", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(c.port), "-U", c.user, "-d", c.database, "-c", sql], {
    env: { ...process.env, PGPASSWORD: c.password, PGCONNECT_TIMEOUT: String(timeoutSec) },
  });
  if (r.code !== 0) throw new PsqlError(r.stderr.trim());
  return r.stdout.trim();
}

/** Row count and content checksum of every user table, keyed by name. */
export async function tableFingerprints(c: Conn): Promise<Record<string, string>> {
  const tables = (await psql(c, `SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'dbplace') ORDER BY 1`)).split("\n").filter(Boolean);
  const out: Record<string, string> = {};
  for (const t of tables) {
    out[t] = await psql(c, `SELECT count(*) || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY md5(x::text))), '-') FROM ${t} x`, 30);
  }
  return out;
}

/** A file to place in a container before it starts, as the docker provider's `uploads` do. */
export interface ContainerFile {
    path: string;
    content: string;
    mode?: number;
}

/**
 * docker create + docker cp + docker start: the same sequence the Pulumi docker provider runs for a
 * container with uploads, so files arrive in the container's own layer, owned by root.
 */
export async function startWithFiles(name: string, image: string, extra: string[], files: ContainerFile[], cmd: string[] = []): Promise<Started> {
  const c = await docker(["create", "--name", name, "--label", `${LABEL}=${RUN_ID}`, "-p", "127.0.0.1::5432", ...extra, image, ...cmd]);
  if (c.code !== 0) throw new Error(`docker create ${image} failed: ${c.stderr.trim()}`);
  const stage = tempDir("dbplace-e2e-files");
  try {
    // Files under /etc/dbplace go as one staged tree (docker cp creates only the last missing
    // directory); anything else is copied into a directory the image already has.
    const tree = path.join(stage, "dbplace");
    fs.mkdirSync(tree, { mode: 0o755 });
    let staged = false;
    for (const f of files) {
      if (f.path.startsWith("/etc/dbplace/")) {
        const local = path.join(tree, f.path.slice("/etc/dbplace/".length));
        fs.mkdirSync(path.dirname(local), { recursive: true, mode: 0o755 });
        fs.writeFileSync(local, f.content, { mode: f.mode ?? 0o644 });
        staged = true;
      } else {
        const local = path.join(stage, path.basename(f.path));
        fs.writeFileSync(local, f.content, { mode: f.mode ?? 0o644 });
        const r = await docker(["cp", local, `${name}:${f.path}`]);
        if (r.code !== 0) throw new Error(`docker cp to ${name}:${f.path} failed: ${r.stderr.trim()}`);
      }
    }
    if (staged) {
      const r = await docker(["cp", tree, `${name}:/etc/dbplace`]);
      if (r.code !== 0) throw new Error(`docker cp to ${name}:/etc/dbplace failed: ${r.stderr.trim()}`);
    }
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
  const s = await docker(["start", name]);
  if (s.code !== 0) throw new Error(`docker start ${name} failed: ${s.stderr.trim()}`);
  const p = await docker(["port", name, "5432/tcp"]);
  const m = /127\.0\.0\.1:(\d+)/.exec(p.stdout);
  if (!m) throw new Error(`container ${name} has no published port: ${p.stdout} ${p.stderr}`);
  return { name, port: Number(m[1]) };
}
