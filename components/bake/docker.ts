// Minimal async wrapper around the docker CLI: the library shells out
// instead of talking to the API so it works with whatever engine and
// context the user's `docker` is configured for.
import { spawn } from "child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Called for every output line (stdout and stderr), e.g. build progress. */
  onLine?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Keep at most this many characters of each stream (tail). */
  keep?: number;
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const keep = opts.keep ?? 1 << 20;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out = { stdout: "", stderr: "" };
    const partial = { stdout: "", stderr: "" };
    const take = (which: "stdout" | "stderr") => (chunk: Buffer) => {
      const s = chunk.toString("utf8");
      out[which] = (out[which] + s).slice(-keep);
      if (!opts.onLine) return;
      const lines = (partial[which] + s).split(/\r?\n/);
      partial[which] = lines.pop() ?? "";
      for (const l of lines) if (l.trim()) opts.onLine(l);
    };
    child.stdout.on("data", take("stdout"));
    child.stderr.on("data", take("stderr"));
    child.on("error", (e) => reject(e));
    child.on("close", (code) => {
      if (opts.onLine) for (const w of ["stdout", "stderr"] as const) if (partial[w].trim()) opts.onLine(partial[w]);
      resolve({ code: code ?? 1, ...out });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** docker CLI, failing with a readable error when docker itself is missing. */
export async function docker(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  try {
    return await run("docker", args, opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT") throw new Error("The docker CLI is not installed; run tools/docker/ensure-dockerd.sh.");
    throw e;
  }
}

/** Like docker(), but throws with stderr when the command fails. */
export async function dockerOk(args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.code !== 0) throw new Error(`docker ${args[0]} failed: ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join(" | ")}`);
  return r.stdout;
}
