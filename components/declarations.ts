import type { DatabaseSpec } from "./config/validate";
import { LABELS } from "./labels";

/**
 * Facts the components write onto resources for readers outside the program: the platform's policy pack
 * (policy/conventions.ts imports these names, so the two cannot drift apart), dashboards and operators.
 * A policy sees only resource inputs, so a promise that lives only in stack config is invisible to it.
 * Pure (no Pulumi import): the policy pack loads this module too.
 */
export const DECLARED = {
    /** Docker label and Kubernetes annotation: the data age a baked replica promises, in minutes. */
    maxStaleness: LABELS.maxStaleness,
    /** Kubernetes annotation on a self-hosted backup job: how many days of dumps it keeps. */
    backupRetention: LABELS.backupRetention,
} as const;

/**
 * Containers carry no labels, so a baked replica that runs as a sidecar in an application's pod states
 * its role and promise in its environment (where the replica's own tooling can read them too).
 */
export const DECLARED_ENV = {
    role: "DBPLACE_ROLE",
    maxStaleness: "DBPLACE_MAX_STALENESS_MINUTES",
} as const;

/** The role value of a baked replica, in labels, tags and DBPLACE_ROLE alike. */
export const BAKED_REPLICA_ROLE = "baked-replica";

export { awsTagKey, gcpLabelKey } from "./labels";

/**
 * `{ [key]: "<minutes>" }` when the stack set `replicas.maxStalenessMinutes`, else `{}`. Nothing is
 * declared on the stack's behalf: a default the stack never promised would let the pack pass a replica
 * nobody bounded (the alerts keep their own default threshold).
 */
export function stalenessDeclaration(spec: DatabaseSpec, key: string = DECLARED.maxStaleness): Record<string, string> {
    const minutes = spec.replicas.maxStalenessMinutes;
    return minutes === undefined ? {} : { [key]: String(minutes) };
}
