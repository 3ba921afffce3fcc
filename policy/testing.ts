import { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { DbplacePolicy, DbplaceStackPolicy } from "./rules/types";

/**
 * Runs a policy on a hand-built resource, the way the analyzer would, without the CLI: for unit tests
 * and the offline checker. Only the fields the dbplace rules read are modelled faithfully.
 */
export interface FakeResource {
    type: string;
    props: Record<string, any>;
    /** Logical name. Default: the type's last segment, lower-cased. */
    name?: string;
    /** Stack name, used to build the URN. Default `dev`. */
    stack?: string;
    /** Qualified types of the parents, outermost first (e.g. ["dbplace:index:Database"]). Default none. */
    parents?: string[];
    /** Logical name of the innermost parent (the last of `parents`), for stack policies that read `parent`. */
    parent?: string;
    /** A full URN; overrides stack/parents. */
    urn?: string;
    protect?: boolean;
    stackTags?: Record<string, string>;
    /** The policy's config, as `--policy-pack-config` would give it. */
    config?: Record<string, unknown>;
}

export function urnFor(r: Pick<FakeResource, "type" | "name" | "stack" | "parents">, project = "dbplace"): string {
    const chain = [...(r.parents ?? []), r.type].join("$");
    return `urn:pulumi:${r.stack ?? "dev"}::${project}::${chain}::${r.name ?? defaultName(r.type)}`;
}

function defaultName(type: string): string {
    return (type.split(":").pop() ?? "resource").toLowerCase();
}

export function resourceArgs(r: FakeResource): ResourceValidationArgs {
    const notApplicable = (reason?: string): never => {
        throw new Error(`policy called notApplicable(${reason ?? ""}); dbplace rules return instead`);
    };
    return {
        type: r.type,
        props: r.props,
        urn: r.urn ?? urnFor(r),
        name: r.name ?? defaultName(r.type),
        opts: { protect: r.protect ?? false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        stackTags: new Map(Object.entries(r.stackTags ?? {})),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => (r.config ?? {}) as T,
        notApplicable,
    };
}

/** The violation messages `policy` reports for `r` (empty: it passes). */
export function violations(policy: DbplacePolicy, r: FakeResource): string[] {
    const found: string[] = [];
    policy.validateResource(resourceArgs(r), (message) => found.push(message));
    return found;
}

/**
 * Asserts a case: `expect` empty means the resource passes; otherwise it fails with messages matching
 * every pattern. Throws an Error naming what was reported, for any test runner.
 */
export function expectCase(policy: DbplacePolicy, r: FakeResource, expect: RegExp[]): void {
    const found = violations(policy, r);
    if (expect.length === 0) {
        if (found.length > 0) throw new Error(`${policy.name}: expected no violation, got:\n  ${found.join("\n  ")}`);
        return;
    }
    if (found.length === 0) throw new Error(`${policy.name}: expected a violation, got none`);
    const text = found.join("\n");
    for (const p of expect) {
        if (!p.test(text)) throw new Error(`${policy.name}: no violation matches ${p}; reported:\n  ${found.join("\n  ")}`);
    }
}

/** Each case: a title, the resource, and [] (passes) or the patterns its violation must match. */
export type PolicyCase = [title: string, resource: FakeResource, expect: RegExp[]];

/** What a stack policy sees of one resource; `parentUrn` links it to another entry of the same list. */
export interface StackEntry {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
    parentUrn?: string;
    protect?: boolean;
}

export function stackArgs(entries: StackEntry[], opts: { stackTags?: Record<string, string>; config?: Record<string, unknown> } = {}): StackValidationArgs {
    const byUrn = new Map<string, PolicyResource>();
    const resources = entries.map((e) => {
        const r = {
            type: e.type, name: e.name, urn: e.urn, props: e.props,
            opts: { protect: e.protect ?? false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
            dependencies: [], propertyDependencies: {}, isType: () => false, asType: () => undefined,
        } as unknown as PolicyResource;
        byUrn.set(e.urn, r);
        return r;
    });
    entries.forEach((e, i) => {
        if (e.parentUrn) resources[i].parent = byUrn.get(e.parentUrn);
    });
    return {
        resources,
        stackTags: new Map(Object.entries(opts.stackTags ?? {})),
        getConfig: <T extends object>() => (opts.config ?? {}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`policy called notApplicable(${reason ?? ""}); dbplace rules return instead`);
        },
    };
}

/** Hand-built resources as a stack: each resource's `parents`/`parent` name its parent, added when missing. */
export function stackViolations(policy: DbplaceStackPolicy, resources: FakeResource[]): string[] {
    const entries: StackEntry[] = [];
    for (const r of resources) {
        const chain = r.parents ?? [];
        const parentUrn = r.parent && chain.length > 0 ? urnFor({ type: chain[chain.length - 1], parents: chain.slice(0, -1), name: r.parent, stack: r.stack }) : undefined;
        if (parentUrn && !entries.some((e) => e.urn === parentUrn)) {
            entries.push({ type: chain[chain.length - 1], name: r.parent!, urn: parentUrn, props: {} });
        }
        entries.push({ type: r.type, name: r.name ?? defaultName(r.type), urn: r.urn ?? urnFor(r), props: r.props, parentUrn, protect: r.protect });
    }
    const found: string[] = [];
    policy.validateStack(stackArgs(entries), (message) => found.push(message));
    return found;
}
