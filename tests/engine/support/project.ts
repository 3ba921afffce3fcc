// Shared by the engine-tier files: commands with timings, and the project overlay (lib/deploy/overlay.ts).
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { overlay } from "../../../lib/deploy/overlay";

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

export { overlay };

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

/**
 * One stack deployed by an older commit and then by this checkout, on one file backend: the old commit in a
 * git worktree (a clean clone has the whole history) sharing this node_modules, `cli(side, args)` running
 * that side's scripts/stack.ts on its project dir, `upgrade(stackFile)` making the current side a project
 * overlay holding the old side's stack file (its encryption salt included), and `cleanup` taking the stack
 * down from whichever side holds it last and removing the worktree.
 */
export function olderCheckout(prefix: string, sha: string, passphrase: string) {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const old = path.join(work, "old");
    const backend = `file://${path.join(work, "state")}`;
    let current = "";
    const env = (project: string): NodeJS.ProcessEnv => ({
        ...process.env, PULUMI_BACKEND_URL: backend, DBPLACE_PROJECT_DIR: project, PULUMI_CONFIG_PASSPHRASE: passphrase, PULUMI_SKIP_UPDATE_CHECK: "true",
    });
    const side = (which: "old" | "current") => (which === "old" ? { root: old, project: old } : { root: REPO, project: current });
    return {
        work,
        old,
        env,
        get current(): string {
            return current;
        },
        /** Checks out `sha` (after checking its packages are the ones installed here) and writes the stack file. */
        checkout(stack: string, yaml: string): void {
            fs.mkdirSync(path.join(work, "state"));
            const commit = ok(run("git", ["-C", REPO, "rev-parse", "--verify", `${sha}^{commit}`]), `git rev-parse ${sha}`).stdout.trim();
            ok(run("git", ["-C", REPO, "worktree", "add", "--detach", old, commit]), `git worktree add ${commit}`);
            const drift = lockDrift(commit);
            if (drift.length > 0) throw new Error(`the old commit's packages are not the ones installed here: ${drift.join(", ")}`);
            fs.symlinkSync(path.join(REPO, "node_modules"), path.join(old, "node_modules"));
            fs.writeFileSync(path.join(old, "stacks", `Pulumi.${stack}.yaml`), yaml);
        },
        cli(which: "old" | "current", args: string[]): Run {
            const s = side(which);
            return run(path.join(REPO, "node_modules/.bin/ts-node"), ["-T", path.join(s.root, "scripts/stack.ts"), ...args], { cwd: s.project, env: env(s.project) });
        },
        /** The current code's project, holding the stack file as the old run left it. */
        upgrade(stack: string): string {
            const o = overlay(`${prefix}new-`, [path.join(old, "stacks", `Pulumi.${stack}.yaml`)]);
            fs.rmSync(path.join(o.work, "state"), { recursive: true });
            current = o.project;
            return current;
        },
        cleanup(stack: string): void {
            try {
                this.cli(current ? "current" : "old", ["down", stack]);
            } finally {
                run("git", ["-C", REPO, "worktree", "remove", "--force", old]);
                if (process.env.KEEP_TMP !== "1") fs.rmSync(work, { recursive: true, force: true });
            }
        },
    };
}
