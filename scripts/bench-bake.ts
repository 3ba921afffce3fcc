// The bake comparison of npm run bench:replicas: one dump, baked by the old docker build and by the
// daemonless baker (host restore + tools/baker, pushed to a registry on 127.0.0.1), against a bare
// pg_restore of the same dump. Prints bake ÷ bare for each side by side, and layer ÷ database size.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { bake, bakeDaemonless, scramVerifier } from "../components/bake";
import { resolveBase } from "../components/bake/base-image";
import { bakerBinary } from "../components/bake/baker-tool";
import { docker, run } from "../components/bake/docker";

const REPO_ROOT = path.resolve(__dirname, "..");

export interface BakeRow {
  label: string;
  dbBytes: number;
  dumpBytes: number;
  bare: number;
  docker?: { seconds: number; restore?: number; layer?: number; builder: string };
  daemonless: { compression: string; seconds: number; restore?: number; layerTar: number; layer: number; layerS: number; pushS: number }[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A registry of the benchmark's own (port and storage), so pushes start cold and nobody else's is touched. */
export async function withRegistry<T>(work: string, fn: (host: string) => Promise<T>): Promise<T> {
  const env = { ...process.env, DBPLACE_REGISTRY_PORT: String(await freePort()), DBPLACE_REGISTRY_DIR: path.join(work, "registry") };
  const script = path.join(REPO_ROOT, "tools", "registry", "registry.sh");
  const host = execFileSync(script, ["start"], { env }).toString().trim();
  try {
    return await fn(host);
  } finally {
    execFileSync(script, ["stop"], { env, stdio: "ignore" });
  }
}

/** pg_restore of the dump into a default server (fsync on, no single transaction) after its start-up. */
export async function bareRestore(dump: string, base: string, database: string, label: string): Promise<number> {
  const name = `dbplace-bench-bare-${process.pid}`;
  await docker(["rm", "-f", "-v", name]);
  const r = await docker(["run", "-d", "--name", name, "--label", `${label}=1`, "-e", "POSTGRES_HOST_AUTH_METHOD=trust", "-e", `POSTGRES_DB=${database}`,
    "-v", `${path.dirname(dump)}:/dumps:ro`, base]);
  if (r.code !== 0) throw new Error(`docker run: ${r.stderr}`);
  try {
    for (let i = 0; ; i++) {
      // The entrypoint's init restarts the server once: wait for the final one (its pid 1 is postgres).
      const ready = await docker(["exec", name, "bash", "-c", `[ "$(cat /proc/1/comm)" = postgres ] && pg_isready -q -h 127.0.0.1`]);
      if (ready.code === 0) break;
      if (i > 600) throw new Error("the bare server did not start");
      await new Promise((res) => setTimeout(res, 100));
    }
    const t = Date.now();
    const rr = await docker(["exec", name, "pg_restore", "--exit-on-error", "--no-owner", "-U", "postgres", "-d", database, `/dumps/${path.basename(dump)}`]);
    if (rr.code !== 0) throw new Error(`pg_restore: ${rr.stderr}`);
    return (Date.now() - t) / 1000;
  } finally {
    await docker(["rm", "-f", "-v", name]);
  }
}

/** One dump: bare restore, docker build bake, daemonless bakes (gzip and uncompressed layers), in that order. */
export async function benchBake(o: { dump: string; database: string; label: string; base: string; work: string; cleanupLabel: string;
  withDocker?: boolean; log: (s: string) => void }): Promise<BakeRow> {
  const spec = {
    engine: "postgres" as const, majorVersion: "15", dump: o.dump, baseImage: o.base, database: o.database, source: `bench ${o.label}`,
    readerVerifier: scramVerifier("bench"), extraLabels: { [o.cleanupLabel]: "1" }, cacheDir: path.join(o.work, "cache"),
  };
  o.log(`${o.label}: bare pg_restore`);
  const bare = await bareRestore(o.dump, o.base, o.database, o.cleanupLabel);
  const row: BakeRow = { label: o.label, dbBytes: 0, dumpBytes: fs.statSync(o.dump).size, bare, daemonless: [] };
  if (o.withDocker !== false) {
    o.log(`${o.label}: bake with docker build`);
    const b = await bake({ ...spec, image: `dbplace-bench/bake-${process.pid}` });
    row.docker = { seconds: b.seconds, restore: b.restoreSeconds, layer: b.dataDirBytes,
      builder: b.steps.some((x) => /^RUN --mount/.test(x.step)) ? "BuildKit" : "classic" };
    row.dbBytes = b.dbBytes ?? 0;
  }
  // One-time costs of a machine's first daemonless bake, not of a bake: building tools/baker, exporting the base.
  execFileSync(path.join(REPO_ROOT, "tools", "baker", "ensure-engine.sh"), ["15"], { stdio: "ignore" });
  await bakerBinary();
  await resolveBase(o.base, spec.cacheDir, () => undefined);
  await withRegistry(o.work, async (host) => {
    for (const compression of ["gzip", "none"] as const) {
      o.log(`${o.label}: daemonless bake, ${compression} layer, push to ${host}`);
      const d = await bakeDaemonless({ ...spec, image: `${host}/bench/${compression}`, output: "push", compression });
      row.daemonless.push({ compression, seconds: d.seconds, restore: d.restoreSeconds, layerTar: d.layerTarBytes, layer: d.layerBytes,
        layerS: d.layerSeconds, pushS: d.writeSeconds });
      row.dbBytes = d.dbBytes ?? row.dbBytes;
    }
  });
  await run("sync", []);
  return row;
}

const mb = (n?: number) => (n === undefined ? "?" : `${(n / 1e6).toFixed(n < 10e6 ? 1 : 0)} MB`);

export function bakeTable(rows: BakeRow[]): string {
  const cols = rows.map((r) => `${r.label} (db ${mb(r.dbBytes)}, dump ${mb(r.dumpBytes)})`);
  const line = (label: string, f: (r: BakeRow) => string, target = "") => `| ${label} | ${rows.map(f).join(" | ")} | ${target} |`;
  const dl = (r: BakeRow, c: string) => r.daemonless.find((x) => x.compression === c);
  const lines = [
    `| metric | ${cols.join(" | ")} | target |`, `|---|${rows.map(() => "---").join("|")}|---|`,
    line("bare pg_restore of the dump", (r) => `${r.bare.toFixed(1)} s`),
    line("bake, docker build (old path)", (r) => (r.docker ? `${r.docker.seconds.toFixed(1)} s, ${r.docker.builder} (restore ${r.docker.restore?.toFixed(1)} s)` : "-")),
    line("  ÷ bare pg_restore", (r) => (r.docker ? (r.docker.seconds / r.bare).toFixed(2) : "-")),
  ];
  for (const c of ["gzip", "none"]) {
    lines.push(line(`bake, daemonless, ${c} layer, pushed`, (r) => {
      const d = dl(r, c);
      return d ? `${d.seconds.toFixed(1)} s (restore ${d.restore?.toFixed(1)} s, layer + push ${(d.layerS + d.pushS).toFixed(1)} s)` : "-";
    }));
    lines.push(line("  ÷ bare pg_restore", (r) => { const d = dl(r, c); return d ? (d.seconds / r.bare).toFixed(2) : "-"; }, "≤ 1.3 at 300 MB, ≤ 1.15 at 1.5 GB"));
  }
  lines.push(line("data layer: tar of the data dir / as pushed with gzip", (r) => `${mb(dl(r, "none")?.layerTar)} / ${mb(dl(r, "gzip")?.layer)}`));
  lines.push(line("  layer ÷ database size (tar / gzip)", (r) => {
    const n = dl(r, "none"), g = dl(r, "gzip");
    return r.dbBytes && n && g ? `${(n.layerTar / r.dbBytes).toFixed(3)} / ${(g.layer / r.dbBytes).toFixed(3)}` : "-";
  }, "≤ 1.05"));
  lines.push(line("  docker build's data layer ÷ database size", (r) => (r.docker?.layer && r.dbBytes ? (r.docker.layer / r.dbBytes).toFixed(3) : "-")));
  return lines.join("\n");
}
