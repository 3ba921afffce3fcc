/**
 * Image references as Docker and Kubernetes parse them (distribution/reference grammar): an optional
 * registry host (has a `.` or `:`, or is `localhost`), lower-case path components separated by `/`
 * (`[a-z0-9]+` joined by `.`, `_`, `__` or dashes), an optional tag `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
 * and an optional digest `algorithm:hex`. Source: github.com/distribution/reference, reference.go.
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/** Why Docker/Kubernetes would refuse the reference, or undefined. */
export function imageProblem(ref: string): string | undefined {
    if (/\s/.test(ref)) return "it contains white space";
    const [rest, digest, extra] = ref.split("@");
    if (extra !== undefined) return "it has more than one @digest";
    if (digest !== undefined && !DIGEST.test(digest)) return `"${digest}" is not a digest (algorithm:hex, e.g. sha256:<64 hex digits>)`;
    const slash = rest.lastIndexOf("/");
    const colon = rest.lastIndexOf(":");
    const [name, tag] = colon > slash ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, undefined];
    if (tag !== undefined && !TAG.test(tag)) return `tag "${tag}" is not valid (letters, digits, _ . -, at most 128, not starting with . or -)`;
    if (name === "") return "it has no repository name";
    const parts = name.split("/");
    const first = parts[0];
    if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase())) {
        if (first !== first.toLowerCase() && !first.includes(".") && !first.includes(":")) {
            return `"${first}" is neither a registry host nor a lower-case repository name`;
        }
        if (!HOST.test(first)) return `"${first}" is not a registry host`;
        parts.shift();
    }
    const bad = parts.find((p) => !COMPONENT.test(p));
    if (bad !== undefined) return `"${bad}" is not a repository name component (lower-case letters, digits, and . _ - between them)`;
    return undefined;
}
