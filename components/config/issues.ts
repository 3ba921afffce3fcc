import { z } from "zod";
import { closest } from "./errors";

/** Turns zod issues into sentences that name the config key, the bad value and the allowed values. */
export function describeIssues(
    error: z.ZodError,
    key: (path: PropertyKey[]) => string,
    allowedAt: (path: PropertyKey[]) => string[] | undefined,
): string[] {
    return error.issues.map((issue) => describe(issue, key, allowedAt));
}

function describe(issue: z.core.$ZodIssue, key: (path: PropertyKey[]) => string, allowedAt: (path: PropertyKey[]) => string[] | undefined): string {
    const where = key(issue.path);
    const got = "input" in issue ? show(issue.input) : "";
    switch (issue.code) {
        case "invalid_value":
            if (issue.input === undefined) return `${where} is required; allowed values: ${issue.values.map((v) => String(v)).join(", ")}.`;
            return `${where} is ${got}; allowed values: ${issue.values.map((v) => String(v)).join(", ")}.`;
        case "unrecognized_keys": {
            const allowed = allowedAt(issue.path);
            return issue.keys
                .map((k) => {
                    const hint = allowed ? closest(k, allowed) : undefined;
                    const at = key([...issue.path, k]);
                    return `${at} is not a known key${hint ? ` (did you mean "${hint}"?)` : ""}${allowed ? `; allowed keys: ${allowed.join(", ")}` : ""}.`;
                })
                .join(" ");
        }
        case "too_small":
        case "too_big": {
            const range = (issue as { minimum?: unknown; maximum?: unknown });
            if (issue.origin === "number") {
                const bound = issue.code === "too_small" ? `at least ${String(range.minimum)}` : `at most ${String(range.maximum)}`;
                return `${where} is ${got}; it must be ${bound}.`;
            }
            return `${where} is ${got}; it must not be empty.`;
        }
        case "invalid_type":
            if (issue.input === undefined) return `${where} is required; expected ${issue.expected}.`;
            if (issue.input === null && issue.path.length === 2 && issue.path[0] === "databases") {
                return `${where} has no value; give the entry its settings (e.g. ${String(issue.path[1])}: { placement: managed }), or ${String(issue.path[1])}: {} to take every stack-wide default.`;
            }
            if (typeof issue.input === "number" && issue.expected === "string" && issue.path[issue.path.length - 1] === "engineVersion") {
                return `${where} is the YAML number ${got}; quote it (engineVersion: "${got}"), since YAML reads an unquoted 8.0 as 8.`;
            }
            if (issue.expected === "int") return `${where} is ${got}; it must be a whole number.`;
            return `${where} is ${got} (${typeOf(issue.input)}); expected ${issue.expected}.`;
        default:
            return `${where}: ${issue.message}${got ? ` (got ${got})` : ""}.`;
    }
}

export function show(v: unknown): string {
    if (v === undefined) return "missing";
    if (typeof v === "string") return JSON.stringify(v);
    try {
        const s = JSON.stringify(v);
        return s.length > 80 ? `${s.slice(0, 77)}...` : s;
    } catch {
        return String(v);
    }
}

function typeOf(v: unknown): string {
    return Array.isArray(v) ? "a list" : v === null ? "null" : `a ${typeof v}`;
}
