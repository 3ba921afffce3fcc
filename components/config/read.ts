import { closest, ConfigError } from "./errors";

/** Namespaces of the providers a dbplace stack configures; never a near miss of the project's. */
const PROVIDER_NAMESPACES = ["aws", "gcp", "kubernetes", "docker", "random", "pulumi", "eks"];
import { resolveStack, StackSpec } from "./validate";
import { BOOLEAN_KEYS, INTEGER_KEYS, OBJECT_KEYS } from "./raw";

/**
 * Pulumi hands a program its config as `project:key` → string (objects as JSON, booleans as "true").
 * This turns the project's keys back into typed values so the validator sees what the user wrote.
 * Pure: the program passes `pulumi.runtime.allConfig()`, tests pass a literal.
 */
export function readRawConfig(all: Record<string, string>, project: string): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [fullKey, value] of Object.entries(all)) {
        const sep = fullKey.indexOf(":");
        const namespace = fullKey.slice(0, sep);
        if (namespace !== project) {
            // A typo in the namespace (`dbplce:cloud`) would otherwise be another program's config and silently ignored.
            if (!PROVIDER_NAMESPACES.includes(namespace) && closest(namespace, [project]) === project) {
                problems.push(`${fullKey} is in namespace "${namespace}", which this program does not read; did you mean ${project}:${fullKey.slice(sep + 1)}?`);
            }
            continue;
        }
        const key = fullKey.slice(sep + 1);
        // Pulumi.yaml declares `default: ""` for keys whose default depends on other keys (Pulumi would
        // otherwise demand them): empty means unset, and the validator applies the real default.
        if (value === "") continue;
        if ((OBJECT_KEYS as readonly string[]).includes(key)) {
            try {
                raw[key] = JSON.parse(value);
            } catch {
                problems.push(`${fullKey} must be an object (a YAML map under the key), got ${JSON.stringify(value)}.`);
            }
        } else if ((BOOLEAN_KEYS as readonly string[]).includes(key)) {
            if (value !== "true" && value !== "false") problems.push(`${fullKey} is ${JSON.stringify(value)}; allowed values: true, false.`);
            raw[key] = value === "true";
        } else if ((INTEGER_KEYS as readonly string[]).includes(key)) {
            if (!/^-?\d+$/.test(value.trim())) problems.push(`${fullKey} is ${JSON.stringify(value)}; it must be a whole number.`);
            raw[key] = Number(value);
        } else {
            raw[key] = value;
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return raw;
}

/**
 * Pulumi's flat config → validated stack: the one path the program, the templates and the tools share.
 * `env` is where the cloud providers' own fallbacks (AWS_REGION, GOOGLE_PROJECT…) are read from.
 */
export function resolveStackConfig(all: Record<string, string>, project: string, env: Record<string, string | undefined> = process.env): StackSpec {
    return resolveStack(readRawConfig(all, project), project, { config: all, env });
}
