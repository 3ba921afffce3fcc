import { ConfigError, DatabaseSpec, resolveStackConfig } from "../../components/config";
import { runProgram, toPulumiConfig } from "../mock-runner";
import { listStacks, loadStackConfig, PROJECT_ROOT, readProject } from "../stacks";
import { CompareError, EXIT, StackEval, StackErrorKind } from "./model";
import { fromRecorded } from "./resources";

export type Program = () => Promise<Record<string, unknown> | void>;

/** Checks stack names before anything runs: an unknown name is a usage error listing the known ones. */
export function checkStackNames(requested: readonly string[], root = PROJECT_ROOT): string[] {
    const known = listStacks(root);
    if (requested.length === 0) return known;
    const unknown = requested.filter((s) => !known.includes(s));
    if (unknown.length > 0) {
        const names = unknown.map((s) => `"${s}"`).join(", ");
        throw new CompareError(`unknown stack${unknown.length > 1 ? "s" : ""} ${names}; known stacks: ${known.join(", ")} (files stacks/Pulumi.<name>.yaml).`, EXIT.usage);
    }
    return [...new Set(requested)];
}

/** The stack's config split the way the program sees it: our keys resolved, provider keys kept as strings. */
export function resolveConfig(config: Record<string, unknown>, project: string): { specs: DatabaseSpec[]; providerConfig: Record<string, string>; error?: StackEval["error"] } {
    const all = toPulumiConfig(project, config);
    const providerConfig: Record<string, string> = {};
    for (const [k, v] of Object.entries(all)) if (!k.startsWith(`${project}:`)) providerConfig[k] = v;
    try {
        // Same ambient as config.ts gives the program, so both agree on what is valid.
        return { specs: resolveStackConfig(all, project).databases, providerConfig };
    } catch (e) {
        return { specs: [], providerConfig, error: stackError(e) };
    }
}

/**
 * Runs the program once under the shared mock runner. A ConfigError (invalid config, or a placement
 * this build lacks) and any other failure become the stack's error: its column shows it and the
 * other stacks still compare.
 */
export async function evaluateWithMocks(stack: string, config: Record<string, unknown>, opts: { program?: Program; project?: string } = {}): Promise<StackEval> {
    const project = opts.project ?? readProject().name;
    const resolved = resolveConfig(config, project);
    const base: StackEval = { stack, specs: resolved.specs, resources: [], providerConfig: resolved.providerConfig };
    if (resolved.error) return { ...base, error: resolved.error };
    try {
        const run = await runProgram({ project, stack, config, program: opts.program });
        return { ...base, resources: run.resources.map(fromRecorded) };
    } catch (e) {
        return { ...base, error: stackError(e) };
    }
}



export async function evaluateStacks(stacks: readonly string[], opts: { program?: Program; loadConfig?: (stack: string) => Record<string, unknown> } = {}): Promise<StackEval[]> {
    const load = opts.loadConfig ?? ((s: string) => loadStackConfig(s));
    const out: StackEval[] = [];
    for (const stack of stacks) {
        let config: Record<string, unknown>;
        try {
            config = load(stack);
        } catch (e) {
            out.push({ stack, specs: [], resources: [], providerConfig: {}, error: { kind: "config", message: `cannot read the stack file: ${firstLine(e)}` } });
            continue;
        }
        out.push(await evaluateWithMocks(stack, config, { program: opts.program }));
    }
    return out;
}

export function stackError(e: unknown, kind?: StackErrorKind): { kind: StackErrorKind; message: string } {
    if (e instanceof ConfigError || (e as Error)?.name === "ConfigError") return { kind: kind ?? "config", message: (e as Error).message };
    const message = firstLine(e);
    if ((e as NodeJS.ErrnoException)?.code === "MODULE_NOT_FOUND") return { kind: "program", message: `cannot load the program: ${message}` };
    return { kind: kind ?? "program", message };
}

/** An error's own sentence without its stack or Node's "Require stack:" tail. */
export function firstLine(e: unknown): string {
    const text = e instanceof Error ? e.message : String(e);
    return text.split(/\nRequire stack:|\n\s+at /)[0].trim();
}
