import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

/** Where the project keeps things, resolved from this file so scripts work from any cwd. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

interface ProjectFile {
    name: string;
    stackConfigDir?: string;
    config?: Record<string, { type?: string; default?: unknown; description?: string }>;
}

export function readProject(root = PROJECT_ROOT): ProjectFile {
    return parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

export function stackDir(root = PROJECT_ROOT): string {
    return path.join(root, readProject(root).stackConfigDir ?? ".");
}

/**
 * What the CLI merges into every stack before the program runs: the defaults of the project's own keys
 * (Pulumi.yaml `config:`). The mock runner applies them too, so offline runs see what `pulumi up` sees.
 */
export function projectDefaults(root = PROJECT_ROOT): Record<string, unknown> {
    const project = readProject(root);
    const out: Record<string, unknown> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
        if (decl.default !== undefined && !key.includes(":")) out[`${project.name}:${key}`] = decl.default;
    }
    return out;
}

/** Example stacks, in file-name order: what `plan` and `compare` default to. */
export function listStacks(root = PROJECT_ROOT): string[] {
    return fs
        .readdirSync(stackDir(root))
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A stack file's `config:` map as written (objects stay objects). Throws a sentence for unknown stacks. */
export function loadStackConfig(stack: string, root = PROJECT_ROOT): Record<string, unknown> {
    const file = path.join(stackDir(root), `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`unknown stack "${stack}": no ${path.relative(root, file)}; example stacks: ${listStacks(root).join(", ")}.`);
    }
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: unknown };
    if (doc.config !== undefined && doc.config !== null && (typeof doc.config !== "object" || Array.isArray(doc.config))) {
        throw new Error(`${path.relative(root, file)}: config: is ${Array.isArray(doc.config) ? "a list" : `a ${typeof doc.config}`}; it must be a map of key: value (e.g. dbplace:cloud: aws), not a list of "- key: value" items.`);
    }
    return (doc.config ?? {}) as Record<string, unknown>;
}

/** Pulumi's own representation: `project:key` → string, objects as JSON. */
export function toPulumiConfig(project: string, config: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
        const key = k.includes(":") ? k : `${project}:${k}`;
        if (v !== null && typeof v === "object" && "secure" in (v as object)) out[key] = "[secret]";
        else out[key] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return out;
}
