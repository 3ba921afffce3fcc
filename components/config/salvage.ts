import { z } from "zod";
import { closest } from "./errors";
import { RawStackConfig, stackSchema } from "./raw";

/**
 * When the schema refuses some keys, the rest of the config is still worth checking: a stack with
 * `replicas.count: 1000000` and `maxReplicas: 2` has two problems, and reporting one per run makes the
 * operator fix them one deploy at a time. This removes what did not parse and parses the remainder, so
 * the cross-key rules run on what is known and stay silent about what is not.
 */
export interface Salvaged {
    /** The config minus what failed; undefined when nothing useful is left (no valid `cloud`). */
    readonly data?: RawStackConfig;
    /**
     * Paths whose value is unknown: removed, or the likely target of a misspelt key. A cross-key
     * problem about these (or anything under them) would be a guess built on a default.
     */
    readonly unknown: PropertyKey[][];
}

/** Bounds the re-parse loop: each round removes at least one path, and the schema is four levels deep. */
const MAX_ROUNDS = 8;

export function salvage(raw: unknown, first: z.ZodError, allowedAt: (path: PropertyKey[]) => string[] | undefined): Salvaged {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { unknown: [[]] };
    const current = structuredClone(raw) as Record<string, unknown>;
    const unknown: PropertyKey[][] = [];
    // Numbers of the right type but out of range: the cross-key rules can still compare them.
    const kept = new Map<string, { path: PropertyKey[]; value: number }>();
    let issues = first.issues;
    for (let round = 0; round < MAX_ROUNDS; round++) {
        const byPath = new Map<string, z.core.$ZodIssue[]>();
        for (const issue of issues) {
            for (const path of targets(issue, allowedAt, unknown)) {
                const k = JSON.stringify(path.map(String));
                byPath.set(k, [...(byPath.get(k) ?? []), issue]);
            }
        }
        for (const [k, found] of byPath) {
            const path = JSON.parse(k) as string[];
            if (path.length === 0) return { unknown: [[]] };
            const value = valueAt(current, path);
            const outOfRange = found.every((i) => (i.code === "too_big" || i.code === "too_small") && i.origin === "number");
            if (outOfRange && typeof value === "number" && Number.isFinite(value) && round === 0) kept.set(k, { path, value });
            else unknown.push(path);
            removeAt(current, path);
        }
        const next = stackSchema.safeParse(current, { reportInput: true });
        if (next.success) {
            for (const { path, value } of kept.values()) setAt(next.data, path, value);
            return { data: next.data, unknown };
        }
        issues = next.error.issues;
    }
    return { unknown: [[]] };
}

/**
 * Where an issue's bad value sits. A missing required key makes its parent unusable; an unknown key is
 * removed and its nearest known key marked unknown (`placment` says nothing about `placement`); a bad
 * list element takes the list with it, since later indices would no longer match the config.
 */
function targets(issue: z.core.$ZodIssue, allowedAt: (path: PropertyKey[]) => string[] | undefined, unknown: PropertyKey[][]): PropertyKey[][] {
    if (issue.code === "unrecognized_keys") {
        const allowed = allowedAt(issue.path) ?? [];
        for (const k of issue.keys) {
            const hint = closest(k, allowed);
            if (hint) unknown.push([...issue.path, hint]);
        }
        return issue.keys.map((k) => [...issue.path, k]);
    }
    const path = [...issue.path];
    const index = path.findIndex((p) => typeof p === "number");
    if (index >= 0) return [path.slice(0, index)];
    if ((issue as { input?: unknown }).input === undefined) return [path.slice(0, -1)];
    return [path];
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    return path.reduce<unknown>((node, k) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[k] : undefined), root);
}

function removeAt(root: Record<PropertyKey, unknown>, path: PropertyKey[]): void {
    const parent = valueAt(root, path.slice(0, -1));
    if (parent !== null && typeof parent === "object") delete (parent as Record<PropertyKey, unknown>)[path[path.length - 1]];
}

function setAt(root: unknown, path: PropertyKey[], value: unknown): void {
    const parent = valueAt(root, path.slice(0, -1));
    if (parent !== null && typeof parent === "object") (parent as Record<PropertyKey, unknown>)[path[path.length - 1]] = value;
}

/** True when `path` is, or lies under, one of the unknown paths. */
export function isUnknown(unknown: readonly PropertyKey[][], path: readonly PropertyKey[]): boolean {
    return unknown.some((u) => u.length <= path.length && u.every((p, i) => String(p) === String(path[i])));
}
