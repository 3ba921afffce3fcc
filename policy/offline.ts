import type { MockRun } from "../lib/mock-runner";
import { policies as allPolicies, stackPolicies as allStackPolicies } from "./policies";
import { DbplacePolicy, DbplaceStackPolicy } from "./rules/types";
import { resourceArgs, stackArgs } from "./testing";

/**
 * The policy pack applied to an offline plan (a `runProgram` mock run): every recorded resource goes
 * through every policy, as `pulumi preview --policy-pack policy` would do with the engine. It reads the
 * same inputs, URNs (so parent chains) and `protect` flags; it does not see provider defaults the
 * engine fills in during a real preview, so the CLI run stays the final word.
 */
export interface OfflineViolation {
    policy: string;
    resource: string;
    type: string;
    message: string;
    /** Set for advisory policies: reported, but no reason to stop a deploy. */
    advisory?: true;
}

export interface OfflineOptions {
    /** Stack tags, e.g. { "dbplace:environment": "production" }. Default none. */
    stackTags?: Record<string, string>;
    /** Policy config keyed by policy name, like `--policy-pack-config`. Default none. */
    config?: Record<string, Record<string, unknown>>;
    /** Policies to apply. Default: the whole pack. */
    policies?: DbplacePolicy[];
    /** Stack policies to apply. Default: the whole pack's, unless `policies` picks resource policies only. */
    stackPolicies?: DbplaceStackPolicy[];
}

export function checkRun(run: MockRun, opts: OfflineOptions = {}): OfflineViolation[] {
    const found: OfflineViolation[] = [];
    for (const r of run.resources) {
        if (!r.custom) continue;
        for (const policy of opts.policies ?? allPolicies) {
            const args = resourceArgs({
                type: r.type,
                name: r.name,
                urn: r.urn,
                props: unwrapSecrets(r.inputs) as Record<string, any>,
                protect: r.protect,
                stackTags: opts.stackTags,
                config: opts.config?.[policy.name],
            });
            policy.validateResource(args, (message) => found.push({ policy: policy.name, resource: r.name, type: r.type, message, ...(policy.enforcementLevel === "advisory" ? { advisory: true as const } : {}) }));
        }
    }
    const entries = run.resources.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: unwrapSecrets(r.inputs) as Record<string, any>, parentUrn: r.parentUrn, protect: r.protect }));
    // The stack itself, whose outputs (the database contracts) the engine shows stack policies as its props.
    const stackName = `${run.project}-${run.stack}`;
    entries.push({ type: "pulumi:pulumi:Stack", name: stackName, urn: `urn:pulumi:${run.stack}::${run.project}::pulumi:pulumi:Stack::${stackName}`, props: unwrapSecrets(run.outputs) as Record<string, any>, parentUrn: undefined, protect: false });
    for (const policy of opts.stackPolicies ?? (opts.policies ? [] : allStackPolicies)) {
        const args = stackArgs(entries, { stackTags: opts.stackTags, config: opts.config?.[policy.name] });
        policy.validateStack(args, (message, urn) => {
            const r = run.resources.find((x) => x.urn === urn);
            found.push({ policy: policy.name, resource: r?.name ?? "(stack)", type: r?.type ?? "pulumi:pulumi:Stack", message });
        });
    }
    return found;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** The analyzer sees secret inputs as plain values; the mock runner records them wrapped. */
function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (SECRET_SIG in obj) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
}
