/**
 * Kubernetes label syntax (apimachinery's validation.IsQualifiedName / IsValidLabelValue), so a bad label
 * in config is refused before `pulumi up` instead of by the API server halfway through a deployment.
 */

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `key` is not a label key, or undefined. A fragment that reads after `is "<key>": `. */
export function labelKeyProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
        return "a label key's prefix (before the /) must be a lowercase DNS subdomain of at most 253 characters, e.g. example.com/team";
    }
    if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
        return "a label key's name must be 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit, e.g. release";
    }
    return undefined;
}

/** Why `value` is not a label value, or undefined. */
export function labelValueProblem(value: string): string | undefined {
    if (value === "" || (value.length <= 63 && NAME.test(value))) return undefined;
    return "a label value must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit, e.g. kube-prometheus-stack";
}
