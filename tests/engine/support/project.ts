// Shared by the engine-tier files: commands with timings, and the project overlay (lib/deploy/overlay.ts).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const REPO = path.resolve(__dirname, "../../..");
export const timings: Array<[string, number]> = [];

export interface Run { code: number; stdout: string; stderr: string; out: string }

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
    const t0 = Date.now();
    const r = spawnSync(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input, encoding: "utf8", maxBuffer: 64 << 20 });
    timings.push([`${cmd} ${args.join(" ")}`.slice(0, 110), (Date.now() - t0) / 1000]);
    if (r.error) throw r.error;
    const stdout = r.stdout ?? "", stderr = r.stderr ?? "";
    return { code: r.status ?? -1, stdout, stderr, out: `${stdout}\n${stderr}` };
}

/** The same, without blocking the event loop (a reader loop runs meanwhile). */
export function runAsync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
        const p = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env });
        let stdout = "", stderr = "";
        p.stdout.on("data", (d) => (stdout += d));
        p.stderr.on("data", (d) => (stderr += d));
        p.on("error", reject);
        p.on("close", (code) => {
            timings.push([`${cmd} ${args.join(" ")}`.slice(0, 110), (Date.now() - t0) / 1000]);
            resolve({ code: code ?? -1, stdout, stderr, out: `${stdout}\n${stderr}` });
        });
    });
}

export function ok(r: Run, what: string): Run {
    if (r.code !== 0) assert.fail(`${what} exited ${r.code}:\n${r.out.slice(-6000)}`);
    return r;
}

export function printTimings(title: string, since: number): void {
    console.log(`\n  ${title} timings (total ${((Date.now() - since) / 1000).toFixed(1)}s):`);
    for (const [c, s] of timings.splice(0)) if (s >= 1) console.log(`    ${s.toFixed(1).padStart(7)}s  ${c}`);
}

export { overlay } from "../../../lib/deploy/overlay";

/**
 * Packages the lockfile at `sha` pins that the installed tree (this checkout's lockfile) does not pin at
 * the same version: an old commit runs on this node_modules only when the list is empty. Packages added
 * since (e.g. dev tools) do not matter to it.
 */
export function lockDrift(sha: string): string[] {
    type Lock = { packages: Record<string, { version?: string }> };
    const old = JSON.parse(ok(run("git", ["-C", REPO, "show", `${sha}:package-lock.json`]), `git show ${sha}:package-lock.json`).stdout) as Lock;
    const now = JSON.parse(fs.readFileSync(path.join(REPO, "package-lock.json"), "utf8")) as Lock;
    return Object.entries(old.packages)
        .filter(([name, p]) => name !== "" && now.packages[name]?.version !== p.version)
        .map(([name, p]) => `${name}: ${p.version} → ${now.packages[name]?.version ?? "absent"}`);
}
