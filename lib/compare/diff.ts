import { flattenInputs } from "./flatten";
import { Cells, InputDiff, PlannedResource, ResourceDiff, StackEval } from "./model";
import { attribute } from "./resources";

/** Resource options worth seeing next to inputs; shown as pseudo paths in parentheses. */
const OPTION_PATHS: readonly [string, (r: PlannedResource) => string][] = [["(protect)", (r) => String(r.protect)]];

interface Entry {
    resource: PlannedResource;
    database: string | null;
    flat: Map<string, string>;
}

/**
 * Matches resources across the stacks that evaluated by logical name + type (the parts of a URN that
 * do not change per stack) and reports those missing from some stacks and the inputs that differ.
 * Identical resources are only counted: the summary already says the stacks agree on them.
 */
export function diffResources(evals: readonly StackEval[]): { resources: ResourceDiff[]; identical: number } {
    const ok = evals.filter((e) => !e.error);
    const byKey = new Map<string, Map<string, Entry>>();
    for (const e of ok) {
        const owner = attribute(e.resources);
        const seen = new Map<string, number>();
        for (const r of e.resources) {
            const base = `${r.type}::${r.name}`;
            // Same type and name under different parent types is legal in Pulumi; keep both apart.
            const n = (seen.get(base) ?? 0) + 1;
            seen.set(base, n);
            const key = n === 1 ? base : `${base}#${n}`;
            const flat = flattenInputs(r.inputs, r.secretPaths, e.stack);
            for (const [path, read] of OPTION_PATHS) flat.set(path, read(r));
            if (!byKey.has(key)) byKey.set(key, new Map());
            byKey.get(key)!.set(e.stack, { resource: r, database: owner.get(r) ?? null, flat });
        }
    }

    const stacks = ok.map((e) => e.stack);
    const out: ResourceDiff[] = [];
    let identical = 0;
    for (const entries of byKey.values()) {
        const first = [...entries.values()][0];
        const presentIn = stacks.filter((s) => entries.has(s));
        const absentFrom = stacks.filter((s) => !entries.has(s));
        const inputs = presentIn.length > 1 ? differingInputs(entries, presentIn) : [];
        if (absentFrom.length === 0 && inputs.length === 0) {
            identical++;
            continue;
        }
        out.push({ type: first.resource.type, name: first.resource.name, database: first.database, presentIn, absentFrom, inputs });
    }
    out.sort((a, b) => cmp(a.database ?? "", b.database ?? "") || cmp(a.type, b.type) || cmp(a.name, b.name));
    return { resources: out, identical };
}

function differingInputs(entries: Map<string, Entry>, stacks: readonly string[]): InputDiff[] {
    const paths = new Set<string>();
    for (const s of stacks) for (const p of entries.get(s)!.flat.keys()) paths.add(p);
    const diffs: InputDiff[] = [];
    for (const path of [...paths].sort(comparePaths)) {
        const values: Cells = {};
        for (const s of stacks) values[s] = entries.get(s)!.flat.get(path) ?? null;
        const distinct = new Set(Object.values(values).map((v) => (v === null ? "\u0000absent" : v)));
        if (distinct.size > 1) diffs.push({ path, values });
    }
    return diffs;
}

/** Paths in reading order: options last, array items by number (`[2]` before `[10]`). */
function comparePaths(a: string, b: string): number {
    const opt = Number(a.startsWith("(")) - Number(b.startsWith("("));
    if (opt !== 0) return opt;
    const pad = (s: string) => s.replace(/\[(\d+)\]/g, (_, n: string) => `[${n.padStart(6, "0")}]`);
    return cmp(pad(a), pad(b));
}

export function cmp(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}
