// npm run rebake -- --stack STACK --image NAME <dump source> [options]
// One turn (or, with --every, a loop) of the re-bake cycle:
//   latest dump -> bake -> tag -> `pulumi up` rolls the replicas.
// Staleness of what replicas serve = time between turns + dump + bake + roll.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { BakeError, bake, defaultCacheDir, dumpFromMaster, inspectDump, scramVerifier } from "../components/bake";
import { claimNode, dumpFetchPod } from "../components/cluster/dump-fetch";
import { parseArgs } from "../lib/cli-args";

const HELP = `Re-bake loop: fetch the latest dump, bake it, then roll the replicas with pulumi up.

Usage:
  npm run rebake -- --stack STACK [--db NAME] [--image REPO] <source> [options]

Without --image the dump path goes into the stack's replicas.dump and \`pulumi up\` bakes it with the
same code (docker.RemoteImage's build), tags it with the dump digest and rolls the replicas. With --image REPO the
dump is baked here (npm run bake) and the stack's replicas.image is pointed at the new tag instead.

Source (one of):
  --dump FILE|URL          a dump file or http(s) URL (e.g. the backup bucket)
  --from-master X          pg_dump -Fc from a master container or postgresql:// URI
  --kube-pvc NS/PVC        latest.dump on the dump CronJob's PVC (db-<name>/<name>-dumps),
                           copied with kubectl cp through a short-lived helper pod
  --kube-pod NS/POD        ...or through an existing pod that mounts the PVC

Options:
  --kube-path DIR          where the PVC is mounted / dumps live (default /dumps)
  --kube-context CTX       kubectl context (default: current)
  --base-image IMAGE       default dbplace/postgres:15
  --database NAME          default: the dump's database
  --db NAME                the entry in dbplace:databases to re-bake (default: the
                           stack-wide replicas key)
  --project NAME           config namespace (default: the name in Pulumi.yaml)
  --no-up                  bake only; print the pulumi commands instead
  --every DURATION         repeat forever, e.g. 15m, 1h (default: run once)
  --keep-dumps N           keep the newest N fetched dumps in the cache (default 3)
  -h, --help

With --image, the reader password comes from DBPLACE_READER_PASSWORD (as for npm run bake); it must
be the stack's derived reader password (the password in readConnectionSecret).`;

type Args = Record<string, string | boolean | undefined>;

function parse(argv: string[]): Args {
  return parseArgs(argv, { flags: ["no-up", "help"], aliases: { h: "help" } }).options;
}

function readProjectName(): string {
  const text = fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8");
  return /^name:\s*(\S+)/m.exec(text)?.[1] ?? "dbplace";
}

function durationMs(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(s);
  if (!m) throw new Error(`--every takes a duration like 30s, 15m or 1h, got "${s}"`);
  return Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3 }[m[2] as "s" | "m" | "h"];
}

function kubectl(args: string[], ctx?: string, input?: string): string {
  const r = spawnSync("kubectl", [...(ctx ? ["--context", ctx] : []), ...args], { encoding: "utf8", input });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") throw new Error("kubectl is not installed or not on PATH.");
  if (r.status !== 0) throw new Error(`kubectl ${args.slice(0, 2).join(" ")} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

/** Copy the newest dump off the CronJob's PVC (through a helper pod if needed). */
function fetchFromKube(a: Args, outDir: string, log: (s: string) => void): string {
  const ctx = a["kube-context"] as string | undefined;
  const dir = (a["kube-path"] as string) ?? "/dumps";
  let ns: string, pod: string, helper = false;
  if (a["kube-pod"]) {
    [ns, pod] = (a["kube-pod"] as string).split("/");
  } else {
    const [pns, pvc] = (a["kube-pvc"] as string).split("/");
    if (!pns || !pvc) throw new Error("--kube-pvc takes NAMESPACE/PVC.");
    ns = pns;
    pod = `dbplace-dump-fetch-${Date.now().toString(36)}`;
    helper = true;
    const image = (a["base-image"] as string) ?? "dbplace/postgres:15"; // has tar, which kubectl cp needs
    const nodeName = claimNode(JSON.parse(kubectl(["-n", ns, "get", "pods", "-o", "json"], ctx)), pvc);
    const manifest = dumpFetchPod({ name: pod, namespace: ns, claim: pvc, image, mountPath: dir, nodeName });
    if (nodeName) log(`rebake: ${pvc} is mounted on node ${nodeName}; the helper pod runs there`);
    log(`rebake: starting helper pod ${ns}/${pod} on PVC ${pvc}`);
    kubectl(["apply", "-f", "-"], ctx, JSON.stringify(manifest));
  }
  try {
    if (helper) kubectl(["-n", ns, "wait", "--for=condition=Ready", `pod/${pod}`, "--timeout=180s"], ctx);
    // The CronJob publishes latest.dump atomically (components/cluster/dump.ts); fall back to the newest stamped dump.
    const newest = kubectl(["-n", ns, "exec", pod, "--", "sh", "-c", `ls -t ${dir}/latest.dump ${dir}/*.dump 2>/dev/null | head -n 1`], ctx).trim();
    if (!newest) throw new Error(`no dumps in ${dir} on ${ns}/${pod}; has the dump CronJob run yet?`);
    const stamp = kubectl(["-n", ns, "exec", pod, "--", "stat", "-c", "%Y", newest], ctx).trim();
    const local = path.join(outDir, `kube-${ns}-${stamp}.dump`);
    if (!fs.existsSync(local)) {
      log(`rebake: kubectl cp ${ns}/${pod}:${newest}`);
      kubectl(["cp", "--retries=5", `${ns}/${pod}:${newest}`, `${local}.part`], ctx);
      fs.renameSync(`${local}.part`, local);
    }
    return local;
  } finally {
    if (helper) kubectl(["-n", ns, "delete", "pod", pod, "--wait=false"], ctx);
  }
}

function pruneDumps(dir: string, keep: number): void {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".dump"))
    .map((f) => ({ f: path.join(dir, f), t: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((x, y) => y.t - x.t);
  for (const { f } of files.slice(keep)) fs.rmSync(f, { force: true });
}

function pulumi(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn("pulumi", args, { stdio: "inherit", env });
    p.on("error", (e) => reject((e as NodeJS.ErrnoException).code === "ENOENT" ? new Error("the pulumi CLI is not on PATH; install it or run with --no-up and apply the printed commands elsewhere.") : e));
    p.on("close", (c) => resolve(c ?? 1));
  });
}

async function once(a: Args, log: (s: string) => void): Promise<void> {
  const dumps = path.join(defaultCacheDir(), "bake", "dumps");
  fs.mkdirSync(dumps, { recursive: true });
  const baseImage = (a["base-image"] as string) ?? "dbplace/postgres:15";
  let dump: string;
  if (a.dump) dump = a.dump as string;
  else if (a["from-master"]) {
    const m = a["from-master"] as string;
    dump = await dumpFromMaster({ ...(/^postgres(ql)?:\/\//.test(m) ? { uri: m } : { container: m }), database: a.database as string | undefined, toolImage: baseImage, onProgress: log });
  } else dump = fetchFromKube(a, dumps, log);

  const stack = a.stack as string;
  const localDump = /^https?:/.test(dump) ? dump : path.resolve(dump.replace(/^file:\/\//, ""));
  const ns = `${(a.project as string) ?? readProjectName()}:${a.db ? `databases.${a.db}.` : ""}replicas`;
  let key: string, value: string, other: string;
  if (a.image) {
    const database = (a.database as string) ?? (/^https?:/.test(dump) ? undefined : inspectDump(localDump).dbName);
    if (!database) throw new Error("--database is required for URL dumps.");
    const pw = process.env.DBPLACE_READER_PASSWORD;
    const r = await bake({
      engine: "postgres", majorVersion: /:(\d+)/.exec(baseImage)?.[1] ?? "15", dump, baseImage, database,
      source: `rebake ${stack}`, image: a.image as string, readerVerifier: pw ? scramVerifier(pw) : undefined,
      onProgress: (l) => /^bake:|DBPLACE-BAKE-STEP/.test(l) && log(l.replace(/^.*DBPLACE-BAKE-STEP: /, "bake:   ")),
    });
    log(`rebake: baked ${r.image} in ${r.seconds.toFixed(1)} s`);
    [key, value, other] = [`${ns}.image`, r.image, `${ns}.dump`];
  } else {
    // Fail here, not halfway through pulumi up: the program's preflight would refuse it too.
    if (!/^https?:/.test(localDump)) inspectDump(localDump);
    [key, value, other] = [`${ns}.dump`, localDump, `${ns}.image`];
  }
  pruneDumps(dumps, Number(a["keep-dumps"] ?? 3));

  // replicas.dump and replicas.image are exclusive: drop the other before setting this one.
  const cmds: string[][] = [
    ["config", "rm", "--path", "--stack", stack, other],
    ["config", "set", "--path", "--stack", stack, key, value],
    ["up", "--yes", "--stack", stack],
  ];
  if (a["no-up"]) {
    for (const c of cmds) console.log(`pulumi ${c.map((x) => (/\s/.test(x) ? JSON.stringify(x) : x)).join(" ")}`);
    return;
  }
  for (const c of cmds) {
    log(`rebake: pulumi ${c.join(" ")}`);
    const code = await pulumi(c, process.env);
    if (code !== 0 && c[1] !== "rm") throw new Error(`pulumi ${c[0]} ${c[1]} exited with ${code}; the replicas keep serving their current image. Fix the stack and re-run.`);
  }
  log(`rebake: stack ${stack} now serves ${value}`);
}

async function main(): Promise<number> {
  let a: Args;
  try {
    a = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`rebake: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (a.help) return console.log(HELP), 0;
  const sources = ["dump", "from-master", "kube-pvc", "kube-pod"].filter((k) => a[k]);
  if (!a.stack || sources.length !== 1) {
    console.error("rebake: need --stack and exactly one of --dump, --from-master, --kube-pvc, --kube-pod (see --help).");
    return 2;
  }
  const log = (s: string) => console.error(`${new Date().toISOString()} ${s}`);
  const every = a.every ? durationMs(a.every as string) : 0;
  for (;;) {
    const t0 = Date.now();
    try {
      await once(a, log);
    } catch (e) {
      log(`rebake: ${e instanceof BakeError || e instanceof Error ? e.message : String(e)}`);
      if (!every) return 1; // in loop mode keep going: the replicas still serve the last good image
    }
    if (!every) return 0;
    const wait = Math.max(0, every - (Date.now() - t0));
    log(`rebake: next turn in ${Math.round(wait / 1000)} s`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

main().then((c) => process.exit(c), (e) => {
  console.error(`rebake: unexpected error: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
