import { ResourceValidationArgs } from "@pulumi/policy";
import { DbplacePolicy } from "./rules/types";

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
