import { KEYS, labelKeyVariants } from "./conventions";

/**
 * Reading what a policy needs out of a resource's inputs, whatever the provider's shape for labels:
 * docker `[{label, value}]`, Kubernetes `metadata.labels`, AWS `tags`, GCP `labels`.
 */

/** The fields of ResourceValidationArgs these helpers read; tests and the offline checker build only these. */
export interface ResourceView {
    type: string;
    urn: string;
    props: Record<string, any>;
}

/** URN → the qualified type: `dbplace:index:Database$dbplace:docker:Database$docker:index/container:Container`. */
export function qualifiedType(urn: string): string {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2] : "";
}

/** URN → stack name (`urn:pulumi:<stack>::<project>::…`). */
export function stackOf(urn: string): string {
    const head = urn.split("::")[0] ?? "";
    return head.startsWith("urn:pulumi:") ? head.slice("urn:pulumi:".length) : "";
}

/** Every label/tag/annotation the resource carries, flattened to one map (later sources win). */
export function labelsOf(props: Record<string, any>): Record<string, string> {
    const out: Record<string, string> = {};
    const add = (m: unknown) => {
        if (m && typeof m === "object" && !Array.isArray(m)) {
            for (const [k, v] of Object.entries(m as Record<string, unknown>)) if (typeof v === "string") out[k] = v;
        }
    };
    if (Array.isArray(props.labels)) {
        for (const l of props.labels as { label?: unknown; value?: unknown }[]) {
            if (typeof l?.label === "string" && typeof l.value === "string") out[l.label] = l.value;
        }
    } else {
        add(props.labels);
    }
    add(props.tags);
    add(props.metadata?.labels);
    add(props.metadata?.annotations);
    add(props.settings?.userLabels);
    return out;
}

/** Pod template labels and annotations of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob). */
export function podTemplateOf(props: Record<string, any>): { labels: Record<string, string>; annotations: Record<string, string>; spec: Record<string, any> } | undefined {
    const template = props.spec?.template ?? props.spec?.jobTemplate?.spec?.template;
    if (!template) return undefined;
    return {
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { ...(template.metadata?.annotations ?? {}) },
        spec: template.spec ?? {},
    };
}

export function label(labels: Record<string, string>, key: string): string | undefined {
    for (const k of labelKeyVariants(key)) if (labels[k] !== undefined) return labels[k];
    return undefined;
}

/**
 * Part of a dbplace database: created under a `dbplace:` component (its URN's type chain says so), or
 * labelled/tagged with `dbplace.io/database` or `app.kubernetes.io/part-of: dbplace` (databases declared
 * outside the components). Rules that
 * would be too broad for a whole account (public IPs, instance sizes) apply only to these.
 */
export function belongsToDatabase(r: ResourceView): boolean {
    const chain = qualifiedType(r.urn).split("$");
    if (chain.slice(0, -1).some((t) => t.startsWith("dbplace:"))) return true;
    const marked = (labels: Record<string, string>) => label(labels, KEYS.database) !== undefined || labels[KEYS.partOf] === "dbplace";
    if (marked(labelsOf(r.props))) return true;
    const template = podTemplateOf(r.props);
    return template !== undefined && marked(template.labels);
}

/** The last path segment: GCE machine types arrive as `zones/…/machineTypes/e2-small` or `e2-small`. */
export function lastSegment(value: unknown): string | undefined {
    return typeof value === "string" ? value.split("/").pop() : undefined;
}

/** `what` as a readable list for messages: `a, b and c`. */
export function listing(items: readonly (string | number)[]): string {
    const s = items.map(String);
    return s.length <= 1 ? (s[0] ?? "") : `${s.slice(0, -1).join(", ")} and ${s[s.length - 1]}`;
}
