// dumpFromMaster: take a pg_dump -Fc of a running master, from a container
// (docker exec) or a connection URI, into a file. The dump is written to a
// file (not a pipe) so it is seekable and pg_restore -j can use it, and it
// appears under its final name only once complete.
import * as fs from "fs";
import * as path from "path";
import { docker, run } from "./docker";
import { BakeError, defaultCacheDir } from "./types";

export interface DumpFromMasterOptions {
  /** Name or id of a master container (official-postgres env contract). */
  container?: string;
  /** Or a connection URI, e.g. postgresql://user:pw@127.0.0.1:5432/app. */
  uri?: string;
  /** Database to dump; default POSTGRES_DB of the container (or the URI's). */
  database?: string;
  /** Role to dump as; default POSTGRES_USER of the container. */
  user?: string;
  /** Output file; default <cache>/bake/dumps/<name>-<UTC timestamp>.pgdump. */
  outFile?: string;
  cacheDir?: string;
  /** Image with pg_dump, used for URI mode when the host has no pg_dump. */
  toolImage?: string;
  onProgress?: (line: string) => void;
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

async function containerEnv(container: string): Promise<Record<string, string>> {
  const r = await docker(["inspect", "--format", "{{json .Config.Env}}", container]);
  if (r.code !== 0)
    throw new BakeError("docker", `No container named ${container} in the local Docker engine; pass the master's container name or a postgresql:// URI.`);
  const env: Record<string, string> = {};
  for (const kv of JSON.parse(r.stdout) as string[]) {
    const i = kv.indexOf("=");
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return env;
}

export async function dumpFromMaster(opts: DumpFromMasterOptions): Promise<string> {
  if (!opts.container === !opts.uri) throw new BakeError("invalid-spec", "dumpFromMaster needs exactly one of container or uri.");
  const say = opts.onProgress ?? (() => undefined);
  const name = (opts.container ?? opts.database ?? "master").replace(/[^A-Za-z0-9_.-]/g, "_");
  const out = path.resolve(opts.outFile ?? path.join(opts.cacheDir ?? defaultCacheDir(), "bake", "dumps", `${name}-${stamp()}.pgdump`));
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const part = `${out}.part`;
  const t0 = Date.now();

  if (opts.container) {
    const env = await containerEnv(opts.container);
    const user = opts.user ?? env.POSTGRES_USER ?? "postgres";
    const db = opts.database ?? env.POSTGRES_DB ?? user;
    const inside = `/tmp/dbplace-dump-${process.pid}-${Date.now()}.pgdump`;
    say(`dump: pg_dump -Fc ${db} as ${user} inside ${opts.container}`);
    // As the postgres OS user: dbplace masters admit the superuser over the unix socket by peer
    // authentication only, and the container itself may start as root.
    const r = await docker(["exec", "-u", "postgres", opts.container, "pg_dump", "-Fc", "-U", user, "-d", db, "-f", inside]);
    if (r.code !== 0) {
      await docker(["exec", "-u", "postgres", opts.container, "rm", "-f", inside]);
      throw new BakeError("restore", `pg_dump in ${opts.container} failed: ${r.stderr.trim().split("\n").pop()}; check that the master is running and database ${db} exists.`);
    }
    const cp = await docker(["cp", `${opts.container}:${inside}`, part]);
    await docker(["exec", "-u", "postgres", opts.container, "rm", "-f", inside]);
    if (cp.code !== 0) throw new BakeError("docker", `Could not copy the dump out of ${opts.container}: ${cp.stderr.trim()}.`);
  } else {
    const uri = opts.uri as string;
    const dbArgs = opts.database ? ["-d", uri.replace(/\/[^/?]*(\?|$)/, `/${opts.database}$1`)] : ["-d", uri];
    const host = await run("pg_dump", ["--version"]).catch(() => undefined);
    let r;
    if (host && host.code === 0) {
      say(`dump: host pg_dump -Fc (${host.stdout.trim()})`);
      r = await run("pg_dump", ["-Fc", "-f", part, ...dbArgs]);
    } else {
      const image = opts.toolImage ?? "dbplace/postgres:15";
      say(`dump: pg_dump -Fc in a throwaway ${image} container (no pg_dump on this host)`);
      const dir = path.dirname(part);
      r = await docker(["run", "--rm", "--network", "host", "--user", `${process.getuid?.() ?? 0}`, "-v", `${dir}:/out`,
        "--entrypoint", "pg_dump", image, "-Fc", "-f", `/out/${path.basename(part)}`, ...dbArgs]);
    }
    if (r.code !== 0) {
      fs.rmSync(part, { force: true });
      throw new BakeError("restore", `pg_dump from ${uri.replace(/:[^:@/]*@/, ":***@")} failed: ${r.stderr.trim().split("\n").pop()}; check the URI, the password and that the server is reachable.`);
    }
  }
  fs.renameSync(part, out);
  say(`dump: wrote ${out} (${(fs.statSync(out).size / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return out;
}
