// npm run bench:replicas [-- --300mb | --bake-scales 20,100] [--no-docker-build] [--out FILE]
//   the bake comparison: the seed dump (and pgbench datasets of those scales) baked by docker build and
//   by the daemonless baker, each ÷ a bare pg_restore of the same dump, and layer ÷ database size.
// npm run bench:replicas -- --sizes 20,100 [--rounds 5 --txns 20000 --compare-jobs --compare-builders --out FILE]
//   the full benchmark: ready time, read throughput, bake, staleness (sizes are pgbench scale factors: 1 ~ 15 MB).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BAKED, bake, dumpFromMaster, scramVerifier } from "../components/bake";
import { docker, run } from "../components/bake/docker";
import { BakeRow, bakeTable, benchBake } from "./bench-bake";
import { parseArgs, stringOption } from "../lib/cli-args";

const BASE = process.env.DBPLACE_BASE_IMAGE ?? "dbplace/postgres:15";
const LABEL = "dbplace.bench";
const PW = "bench";
const DB = "bench";
const args = parseArgs(process.argv.slice(2), {
  flags: ["300mb", "compare-jobs", "compare-builders", "no-docker-build"],
  options: ["sizes", "bake-scales", "rounds", "txns", "out"],
});
const opt = (k: string, d?: string) => stringOption(args, k, d);
const flag = (k: string) => args.options[k] === true;
const FULL = opt("sizes") !== undefined;
const SIZES = (opt("sizes", "") as string).split(",").filter(Boolean).map(Number);
const BAKE_SCALES = (opt("bake-scales", flag("300mb") ? "20" : "") as string).split(",").filter(Boolean).map(Number);
const SEED_DUMP = path.resolve(__dirname, "..", "stacks", "seed", "app.dump");
const ROUNDS = Number(opt("rounds", "3"));
const COMPARE_JOBS = flag("compare-jobs");
const COMPARE_BUILDERS = flag("compare-builders");
const log = (s: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ok(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.slice(0, 3).join(" ")}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}
async function q(port: number, user: string, sql: string, timeout = 2): Promise<string> {
  const r = await run("psql", ["-XAtq", "-w", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", DB, "-c", sql],
    { env: { ...process.env, PGPASSWORD: PW, PGCONNECT_TIMEOUT: String(timeout) } });
  if (r.code !== 0) throw new Error(r.stderr.trim());
  return r.stdout.trim();
}
async function until(fn: () => Promise<unknown>, limitMs = 1800_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    try { await fn(); return; } catch (e) { if (Date.now() - t0 > limitMs) throw e; }
    await sleep(10);
  }
}
async function port(name: string, p = 5432): Promise<number> {
  return Number(/:(\d+)\s*$/.exec(await ok(["port", name, `${p}/tcp`]))![1]);
}
async function runC(name: string, args: string[]): Promise<number> {
  await ok(["run", "-d", "--name", name, "--label", `${LABEL}=1`, ...args]);
  return Date.now();
}
const TXNS = Number(opt("txns", "20000"));
async function cgroupCpuNs(container: string): Promise<number> {
  const id = await ok(["inspect", "--format", "{{.Id}}", container]);
  for (const f of [`/sys/fs/cgroup/cpuacct/docker/${id}/cpuacct.usage`, `/sys/fs/cgroup/system.slice/docker-${id}.scope/cpu.stat`]) {
    try {
      const t = fs.readFileSync(f, "utf8");
      const m = /usage_usec (\d+)/.exec(t);
      return m ? Number(m[1]) * 1000 : Number(t.trim());
    } catch { /* try the next cgroup layout */ }
  }
  throw new Error(`cannot read the CPU usage of ${container}'s cgroup`);
}
async function cpuPerTxn(container: string): Promise<{ cpuUs: number; tps: number }> {
  const before = await cgroupCpuNs(container);
  const r = await docker(["exec", container, "pgbench", "-n", "-S", "-c", "1", "-j", "1", "-t", String(TXNS), "-d", DB]);
  const after = await cgroupCpuNs(container);
  const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout);
  if (!m) throw new Error(`pgbench in ${container} failed: ${r.stderr || r.stdout}`);
  return { cpuUs: (after - before) / 1000 / TXNS, tps: Number(m[1]) };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number) => (ms / 1000).toFixed(2);

async function cleanup(): Promise<void> {
  const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}`])).stdout.split(/\s+/).filter(Boolean);
  if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
  const imgs = (await docker(["image", "ls", "-q", "--filter", `label=${LABEL}=1`])).stdout.split(/\s+/).filter(Boolean);
  if (imgs.length) await docker(["image", "rm", "-f", ...new Set(imgs)]);
}

type Row = Record<string, string>;

/** A master with pgbench -i -s scale; returns its name, port and database size. */
async function pgbenchMaster(scale: number): Promise<{ m: string; mp: number; dbBytes: number }> {
  const m = `dbplace-bench-master-${scale}`;
  log(`scale ${scale}: master + pgbench -i`);
  await runC(m, ["-e", `POSTGRES_PASSWORD=${PW}`, "-e", `POSTGRES_DB=${DB}`, "-p", "127.0.0.1::5432", "-p", "127.0.0.1::5433", BASE,
    "-c", "shared_buffers=256MB", "-c", "max_wal_size=4GB"]);
  const mp = await port(m);
  await until(() => q(mp, "postgres", "SELECT 1"));
  const r0 = await docker(["exec", m, "pgbench", "-i", "-q", "-s", String(scale), DB]);
  if (r0.code !== 0) throw new Error(r0.stderr);
  const dbBytes = Number(await q(mp, "postgres", "SELECT pg_database_size(current_database())"));
  return { m, mp, dbBytes };
}

async function benchSize(scale: number, work: string): Promise<Row> {
  const row: Row = {};
  const { m, mp, dbBytes } = await pgbenchMaster(scale);
  row.db = `${(dbBytes / 1e6).toFixed(0)} MB`;

  let t = Date.now();
  const dump = await dumpFromMaster({ container: m, outFile: path.join(work, `s${scale}.pgdump`) });
  const dumpS = (Date.now() - t) / 1000;
  row.dumpSize = `${(fs.statSync(dump).size / 1e6).toFixed(0)} MB`;
  const spec = {
    engine: "postgres" as const, majorVersion: "15", dump, baseImage: BASE, database: DB, source: `bench s${scale}`,
    image: `dbplace-bench/s${scale}`, readerVerifier: scramVerifier(PW), extraLabels: { [LABEL]: "1" },
    cacheDir: path.join(work, "cache"),
  };
  log(`scale ${scale}: bake`);
  const b1 = await bake(spec);
  const builder = b1.steps.some((x) => /^RUN --mount/.test(x.step)) ? "BuildKit" : "classic builder";
  row.bake = `${b1.seconds.toFixed(1)} s, ${builder} (restore inside ${b1.restoreSeconds?.toFixed(1)} s)`;
  row.layer = `${((b1.dataDirBytes ?? 0) / 1e6).toFixed(0)} MB`;
  row.layerRatio = ((b1.dataDirBytes ?? 0) / dbBytes).toFixed(3);
  if (COMPARE_BUILDERS) {
    const prev = process.env.DBPLACE_BUILDER;
    process.env.DBPLACE_BUILDER = "classic";
    try {
      const bc = await bake({ ...spec, image: `dbplace-bench/s${scale}-classic` });
      row.bakeClassic = `${bc.seconds.toFixed(1)} s (restore inside ${bc.restoreSeconds?.toFixed(1)} s)`;
    } finally {
      if (prev === undefined) delete process.env.DBPLACE_BUILDER;
      else process.env.DBPLACE_BUILDER = prev;
    }
  }
  if (COMPARE_JOBS) {
    const bj = await bake({ ...spec, restoreJobs: os.cpus().length, image: `dbplace-bench/s${scale}-j` });
    row.bakeJobs = `${bj.seconds.toFixed(1)} s (restore inside ${bj.restoreSeconds?.toFixed(1)} s)`;
  }

  log(`scale ${scale}: baked replica ready time`);
  const readyMs: number[] = [];
  const runMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    await docker(["rm", "-f", `bench-baked-${scale}`]);
    const t0 = Date.now();
    const t1 = await runC(`bench-baked-${scale}`, ["-p", "127.0.0.1::5432", b1.image]);
    const p = await port(`bench-baked-${scale}`);
    await until(() => q(p, BAKED.readerRole, "SELECT 1 FROM pgbench_branches LIMIT 1"));
    readyMs.push(Date.now() - t0);
    runMs.push(t1 - t0);
  }
  row.readyBaked = `${secs(median(readyMs))} s (docker run ${secs(median(runMs))} s)`;
  const bp = await port(`bench-baked-${scale}`);
  t = Date.now();
  await q(bp, BAKED.readerRole, "SELECT count(*) FROM pgbench_accounts", 600);
  const firstScan = Date.now() - t;
  t = Date.now();
  await q(bp, BAKED.readerRole, "SELECT count(*) FROM pgbench_accounts", 600);
  row.firstScan = `${secs(firstScan)} s vs ${secs(Date.now() - t)} s`;

  log(`scale ${scale}: restore-at-start (and bare pg_restore)`);
  const rs = `bench-restore-${scale}`;
  let t0 = Date.now();
  await runC(rs, ["-e", "POSTGRES_HOST_AUTH_METHOD=trust", "-e", `POSTGRES_DB=${DB}`, "-v", `${work}:/dumps:ro`, "-p", "127.0.0.1::5432", BASE]);
  const rp = await port(rs);
  await until(() => q(rp, "postgres", "SELECT 1"));
  t = Date.now();
  const rr = await docker(["exec", rs, "pg_restore", "--exit-on-error", "--no-owner", "-d", DB, `/dumps/${path.basename(dump)}`]);
  if (rr.code !== 0) throw new Error(`pg_restore: ${rr.stderr}`);
  const bare = (Date.now() - t) / 1000;
  await q(rp, "postgres", "SELECT 1 FROM pgbench_branches LIMIT 1");
  row.readyRestore = `${secs(Date.now() - t0)} s`;
  row.bareRestore = `${bare.toFixed(1)} s`;
  row.bakeRatio = (b1.seconds / bare).toFixed(2);
  await q(rp, "postgres", "VACUUM ANALYZE", 1800); // same planner stats and hint bits as the baked copy

  log(`scale ${scale}: streaming bootstrap (pg_basebackup)`);
  t0 = Date.now();
  await runC(`bench-stream-${scale}`, ["--network", `container:${m}`, "--entrypoint", "bash", BASE, "-c",
    "pg_basebackup -h 127.0.0.1 -U postgres -D /var/lib/postgresql/data/pg -X stream -R -c fast && exec postgres -D /var/lib/postgresql/data/pg -c port=5433"]);
  const sp = await port(m, 5433);
  await until(() => q(sp, "postgres", "SELECT 1 FROM pgbench_branches LIMIT 1"));
  row.readyStream = `${secs(Date.now() - t0)} s`;
  await docker(["rm", "-f", "-v", `bench-stream-${scale}`]);

  // Wall-clock tps swings by 2-3x between rounds on this shared machine, so
  // the ratio uses CPU time per transaction instead: the container's cgroup
  // CPU (postgres backend + pgbench) for a fixed number of -S transactions.
  // At saturation throughput is inversely proportional to it. Rounds
  // alternate; the first round of each is a warm-up (and does the copy-ups).
  log(`scale ${scale}: read throughput, pgbench -S, ${ROUNDS} rounds of ${TXNS} transactions each`);
  const baked = `bench-baked-${scale}`;
  // "Same data on a volume" = the same image and settings with the data dir
  // on an anonymous volume (docker copies the image's data into it), so the
  // only difference is the storage path: image layer (overlayfs) vs volume.
  const vol = `bench-volume-${scale}`;
  await runC(vol, ["-v", BAKED.dataDir, "-p", "127.0.0.1::5432", b1.image]);
  const vp = await port(vol);
  await until(() => q(vp, BAKED.readerRole, "SELECT 1 FROM pgbench_branches LIMIT 1"));
  const cpuB: number[] = [], cpuV: number[] = [], wallB: number[] = [], wallV: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    for (const [c, cpu, wall] of [[baked, cpuB, wallB], [vol, cpuV, wallV]] as const) {
      const r = await cpuPerTxn(c);
      if (i > 0) { cpu.push(r.cpuUs); wall.push(r.tps); }
    }
    // The warm-up copied the touched files up into the container layer; let
    // that writeback finish so it does not bill the measured rounds.
    if (i === 0) { await run("sync", []); await sleep(3000); }
  }
  row.tpsBaked = `${median(wallB).toFixed(0)} tps, ${median(cpuB).toFixed(1)} us CPU/txn`;
  row.tpsVolume = `${median(wallV).toFixed(0)} tps, ${median(cpuV).toFixed(1)} us CPU/txn`;
  row.tpsRatio = `${(median(cpuV) / median(cpuB)).toFixed(3)} (wall-clock tps ratio ${(median(wallB) / median(wallV)).toFixed(2)})`;
  await docker(["rm", "-f", "-v", rs]);

  log(`scale ${scale}: staleness (master write -> every replica serves it)`);
  const reps = [baked];
  await runC(`bench-baked2-${scale}`, ["-p", "127.0.0.1::5432", b1.image]);
  reps.push(`bench-baked2-${scale}`);
  t0 = Date.now();
  await q(mp, "postgres", "CREATE TABLE staleness_marker AS SELECT now() AS at");
  t = Date.now();
  const dump2 = await dumpFromMaster({ container: m, outFile: path.join(work, `s${scale}-2.pgdump`) });
  const d2 = (Date.now() - t) / 1000;
  const b2 = await bake({ ...spec, dump: dump2 });
  t = Date.now();
  const ports: number[] = [];
  for (const [i, old] of reps.entries()) {
    const n = `bench-roll-${scale}-${i}`;
    await runC(n, ["-p", "127.0.0.1::5432", b2.image]);
    const p = await port(n);
    await until(() => q(p, BAKED.readerRole, "SELECT 1 FROM pgbench_branches LIMIT 1"));
    ports.push(p);
    await docker(["stop", "-t", "10", old]);
  }
  for (const p of ports) await q(p, BAKED.readerRole, "SELECT at FROM staleness_marker");
  const stale = (Date.now() - t0) / 1000;
  row.staleness = `${stale.toFixed(1)} s = dump ${d2.toFixed(1)} + bake ${b2.seconds.toFixed(1)} + roll ${((Date.now() - t) / 1000).toFixed(1)}`;
  row.staleTarget = `${(b2.seconds + 15).toFixed(1)} s`;
  void dumpS;
  await cleanup();
  for (const f of [dump, dump2]) fs.rmSync(f, { force: true });
  return row;
}

async function machine(): Promise<string> {
  const v = await ok(["version", "--format", "{{.Server.Version}}"]);
  const drv = await ok(["info", "--format", "{{.Driver}}"]);
  const load = os.loadavg().map((x) => x.toFixed(1)).join(" ");
  return `${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${os.release()}, Docker ${v} (${drv}), PostgreSQL 15 (${BASE}); load average at the end ${load} (shared machine)`;
}

function table(sizes: number[], rows: Row[], info: string): string {
  const lines: [string, string, string][] = [
    ["database size (pg_database_size)", "db", ""],
    ["dump size (pg_dump -Fc)", "dumpSize", ""],
    ["replica ready, baked: docker run -> first query", "readyBaked", "<= 0.5 s, flat in size"],
    ["replica ready, restore at start (initdb + pg_restore)", "readyRestore", ""],
    ["replica ready, streaming bootstrap (pg_basebackup)", "readyStream", ""],
    ["reads pgbench -S, baked (image layer): median tps, CPU per txn", "tpsBaked", ""],
    ["reads pgbench -S, same image with its data dir on a volume", "tpsVolume", ""],
    ["  throughput ratio baked / volume (by CPU per txn)", "tpsRatio", ">= 0.97"],
    ["bake time (dump -> tagged image), builder", "bake", ""],
    ["bare pg_restore of the same dump", "bareRestore", ""],
    ["  ratio bake / restore", "bakeRatio", "<= 1.1"],
    ...(COMPARE_BUILDERS ? [["bake time, classic builder (multi-stage Dockerfile)", "bakeClassic", ""] as [string, string, string]] : []),
    ...(COMPARE_JOBS ? [["bake time with pg_restore -j <cores>", "bakeJobs", ""] as [string, string, string]] : []),
    ["baked data layer", "layer", ""],
    ["  ratio layer / database", "layerRatio", "<= 1.15"],
    ["first full scan on a fresh replica vs warm (overlay copy-up)", "firstScan", ""],
    ["staleness: master write -> all 2 replicas serve it", "staleness", "<= bake + 15 s"],
    ["  target for this run (bake + 15 s)", "staleTarget", ""],
  ];
  const head = `| metric | ${sizes.map((s, i) => `pgbench -s ${s} (${rows[i].db})`).join(" | ")} | target |`;
  const sep = `|---|${sizes.map(() => "---").join("|")}|---|`;
  const body = lines.map(([label, k, target]) => `| ${label} | ${rows.map((r) => r[k] ?? "").join(" | ")} | ${target} |`);
  return [`Machine: ${info}`, "", head, sep, ...body].join("\n");
}

/** The default run: the bake comparison, seed dump first, then any pgbench scales asked for. */
async function bakeComparison(work: string): Promise<string> {
  const rows: BakeRow[] = [];
  const common = { base: BASE, work, cleanupLabel: LABEL, withDocker: !flag("no-docker-build"), log };
  const seed = path.join(work, "seed.pgdump");
  fs.copyFileSync(SEED_DUMP, seed);
  rows.push(await benchBake({ ...common, dump: seed, database: "app", label: "seed dump" }));
  for (const scale of BAKE_SCALES) {
    const { m } = await pgbenchMaster(scale);
    const dump = await dumpFromMaster({ container: m, outFile: path.join(work, `s${scale}.pgdump`) });
    await docker(["rm", "-f", "-v", m]);
    rows.push(await benchBake({ ...common, dump, database: DB, label: `pgbench -s ${scale}` }));
    fs.rmSync(dump, { force: true });
  }
  return bakeTable(rows);
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-bench-"));
  fs.chmodSync(work, 0o755);
  await cleanup();
  if (!FULL) {
    let out: string;
    try {
      out = await bakeComparison(work);
    } finally {
      await cleanup();
      fs.rmSync(work, { recursive: true, force: true });
    }
    out = `Machine: ${await machine()}\n\n${out}`;
    console.log(out);
    if (opt("out")) fs.writeFileSync(opt("out") as string, out + "\n");
    return;
  }
  const rows: Row[] = [];
  try {
    for (const s of SIZES) rows.push(await benchSize(s, work));
  } finally {
    await cleanup();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const out = table(SIZES, rows, await machine());
  console.log(out);
  if (opt("out")) fs.writeFileSync(opt("out") as string, out + "\n");
}

main().catch((e) => {
  console.error(`bench-replicas: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
