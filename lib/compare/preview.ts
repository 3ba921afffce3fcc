import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { loadStackConfig, PROJECT_ROOT, readProject } from "../stacks";
import { resolveConfig } from "./collect";
import { CompareError, EXIT, PlannedResource, StackEval } from "./model";

/**
 * `--preview`: compare real plans. Runs `pulumi preview --json -s <stack>` per stack and reads each
 * step's newState (type, urn, parent, inputs, protect): the same shape the mock runner records, so
 * everything after this file is shared. Needs the CLI and a logged-in backend; says so when missing.
 */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export interface PreviewOptions {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
}

export function findPulumi(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd"] : ["pulumi"];
    for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
        for (const n of names) {
            const candidate = path.join(dir, n);
            try {
                fs.accessSync(candidate, fs.constants.X_OK);
                return candidate;
            } catch {
                // not here; keep looking
            }
        }
    }
    return undefined;
}

export function evaluateWithPreview(stacks: readonly string[], opts: PreviewOptions = {}): StackEval[] {
    const env = opts.env ?? process.env;
    const cwd = opts.cwd ?? PROJECT_ROOT;
    const bin = findPulumi(env);
    if (!bin) {
        throw new CompareError(
            "--preview needs the pulumi CLI on PATH, and none was found. Install it (https://www.pulumi.com/docs/install/) and log in, or drop --preview to compare offline under mocks.",
            EXIT.environment,
        );
    }
    const who = spawnSync(bin, ["whoami", "--non-interactive"], { cwd, env, encoding: "utf8" });
    if (who.status !== 0) {
        const why = lastLines(who.stderr || who.stdout || String(who.error ?? ""));
        throw new CompareError(`--preview found ${bin} but it has no usable backend login (${why}). Run \`pulumi login\` (or set PULUMI_ACCESS_TOKEN), or drop --preview to compare offline under mocks.`, EXIT.environment);
    }
    const project = readProject(cwd).name;
    return stacks.map((stack) => previewStack(bin, stack, project, cwd, env));
}

function previewStack(bin: string, stack: string, project: string, cwd: string, env: NodeJS.ProcessEnv): StackEval {
    let config: Record<string, unknown> = {};
    try {
        config = loadStackConfig(stack, cwd);
    } catch {
        // A stack that lives only in the backend: preview still knows it.
    }
    const resolved = resolveConfig(config, project);
    const base: StackEval = { stack, specs: resolved.specs, resources: [], providerConfig: resolved.providerConfig };
    // --show-sames: without it a deployed stack's unchanged resources are left out of the plan, and a stack
    // with nothing to change would compare as empty.
    const run = spawnSync(bin, ["preview", "--json", "--show-sames", "--non-interactive", "--stack", stack], { cwd, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
    let doc: PreviewDoc | undefined;
    try {
        doc = JSON.parse(run.stdout) as PreviewDoc;
    } catch {
        doc = undefined;
    }
    if (run.status !== 0 || !doc) {
        const errors = (doc?.diagnostics ?? []).filter((d) => d.severity === "error").map((d) => d.message.trim());
        const message = errors.length > 0 ? errors.join(" ") : lastLines(run.stderr || run.stdout || String(run.error ?? "no output"));
        return { ...base, error: { kind: resolved.error ? "config" : "preview", message: resolved.error?.message ?? message } };
    }
    return { ...base, resources: parsePreviewSteps(doc) };
}

export interface PreviewDoc {
    steps?: { op: string; urn: string; newState?: PreviewState }[];
    diagnostics?: { severity: string; message: string }[];
}

interface PreviewState {
    type: string;
    urn: string;
    custom?: boolean;
    parent?: string;
    inputs?: Record<string, unknown>;
    protect?: boolean;
}

/** Steps → resources the stack would have after the update: deletes and the engine's own resources are dropped. */
export function parsePreviewSteps(doc: PreviewDoc): PlannedResource[] {
    const out: PlannedResource[] = [];
    for (const step of doc.steps ?? []) {
        const s = step.newState;
        if (!s || step.op === "delete" || step.op === "discard" || step.op === "delete-replaced") continue;
        if (s.type === "pulumi:pulumi:Stack" || s.type.startsWith("pulumi:providers:")) continue;
        const secretPaths: string[] = [];
        const inputs = unwrapSecrets(s.inputs ?? {}, "", secretPaths) as Record<string, unknown>;
        out.push({
            type: s.type,
            name: s.urn.slice(s.urn.lastIndexOf("::") + 2),
            urn: s.urn,
            custom: s.custom ?? true,
            parent: s.parent ? s.parent.slice(s.parent.lastIndexOf("::") + 2) : undefined,
            parentUrn: s.parent || undefined,
            inputs,
            secretPaths,
            protect: Boolean(s.protect),
        });
    }
    return out;
}

/** Secrets come as wire markers or the CLI's "[secret]" text; record their paths and keep no value. */
function unwrapSecrets(value: unknown, at: string, paths: string[]): unknown {
    if (value === "[secret]" || (value !== null && typeof value === "object" && SECRET_SIG in (value as object))) {
        paths.push(at || ".");
        return "[secret]";
    }
    if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, at ? `${at}.${i}` : String(i), paths));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, at ? `${at}.${k}` : k, paths)]));
    }
    return value;
}

function lastLines(text: string): string {
    const lines = text.trim().split("\n").map((l) => l.trim()).filter(Boolean);
    return lines.slice(-3).join(" ") || "no output";
}
