// The dbplace-bake binary (tools/baker, Go + go-containerregistry): built on first use into the tools
// cache by tools/baker/build.sh, then called with JSON in and out.
import * as fs from "fs";
import * as path from "path";
import { run } from "./docker";
import { BakeError, BakeErrorCode } from "./types";

let built: string | undefined;

/** tools/baker/build.sh of this checkout (from ts-node or from a compiled bin/ tree). */
function buildScript(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const p = path.join(dir, "tools", "baker", "build.sh");
    if (fs.existsSync(p)) return p;
  }
  throw new BakeError("baker", "tools/baker/build.sh was not found above " + __dirname + "; set DBPLACE_BAKER to a dbplace-bake binary.");
}

/** Path of a dbplace-bake binary: $DBPLACE_BAKER, else the cached build of this checkout's sources. */
export async function bakerBinary(say: (l: string) => void = () => undefined): Promise<string> {
  if (process.env.DBPLACE_BAKER) return process.env.DBPLACE_BAKER;
  if (built) return built;
  const r = await run(buildScript(), [], { onLine: (l) => /^\[baker\]/.test(l) && say(`bake: ${l}`) });
  if (r.code !== 0)
    throw new BakeError("baker", `Could not build the daemonless baker (tools/baker/build.sh): ${r.stderr.trim().split("\n").slice(-3).join(" | ")}`);
  built = r.stdout.trim().split("\n").pop() as string;
  return built;
}

/** Run one dbplace-bake command; its stdout is JSON, its last stderr line the reason for a failure. */
export async function baker<T>(args: string[], code: BakeErrorCode, what: string, say?: (l: string) => void, after = ""): Promise<T> {
  const bin = await bakerBinary(say);
  const r = await run(bin, args);
  if (r.code !== 0) {
    const reason = r.stderr.trim().split("\n").pop()?.replace(/^dbplace-bake: /, "") ?? `exit ${r.code}`;
    throw new BakeError(code, `${what}: ${reason}${after}`, r.stderr);
  }
  return JSON.parse(r.stdout) as T;
}
