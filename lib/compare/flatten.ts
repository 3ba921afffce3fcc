/** What a secret input shows as, everywhere compare prints or writes values. */
export const SECRET_MASK = "[secret]";

/** Pulumi's wire marker for a secret value, as a preview's JSON or an unwrapped mock input may carry it. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * Flattens inputs to `path → display value` so two stacks can be compared leaf by leaf. Paths use dots
 * for keys and [i] for array items (`ports[0].ip`); empty objects and arrays are leaves so that "set to
 * empty" still differs from "not set". Secrets become SECRET_MASK and never reach the output.
 *
 * The stack's own name is replaced by `{stack}` in string values: physical names and labels carry it
 * (`dev-app-master`), and that difference is by design, not something a reviewer needs to read.
 */
export function flattenInputs(inputs: Record<string, unknown>, secretPaths: readonly string[], stack: string): Map<string, string> {
    const out = new Map<string, string>();
    const secrets = secretPaths.map((p) => (p === "." ? [] : p.split(".")));
    const stackPattern = stackNamePattern(stack);
    const walk = (value: unknown, segments: string[], display: string) => {
        if (isSecret(segments, secrets) || isSecretMarker(value)) {
            out.set(display || ".", SECRET_MASK);
            return;
        }
        if (Array.isArray(value) && value.length > 0) {
            value.forEach((v, i) => walk(v, [...segments, String(i)], `${display}[${i}]`));
            return;
        }
        if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
            for (const key of Object.keys(value).sort()) {
                walk((value as Record<string, unknown>)[key], [...segments, key], display ? `${display}.${key}` : key);
            }
            return;
        }
        if (value === undefined) return;
        out.set(display || ".", normaliseStack(show(value), stackPattern));
    };
    walk(inputs, [], "");
    return out;
}

/** Leaf values as people read them: strings bare, everything else as JSON. */
export function show(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function isSecret(segments: readonly string[], secrets: readonly string[][]): boolean {
    return secrets.some((s) => s.length <= segments.length && s.every((part, i) => segments[i] === part));
}

function isSecretMarker(value: unknown): boolean {
    return value !== null && typeof value === "object" && SECRET_SIG in (value as object);
}

function stackNamePattern(stack: string): RegExp | undefined {
    if (!stack) return undefined;
    const escaped = stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // Whole words only, so stack "dev" leaves "/dev/shm" alone but turns "dev-app-master" into "{stack}-app-master".
    return new RegExp(`(?<![A-Za-z0-9])${escaped}(?![A-Za-z0-9])`, "g");
}

function normaliseStack(text: string, pattern: RegExp | undefined): string {
    if (!pattern) return text;
    return text.replace(pattern, (match, offset: number, whole: string) => (whole[offset - 1] === "/" && whole[offset + match.length] === "/" ? match : "{stack}"));
}
