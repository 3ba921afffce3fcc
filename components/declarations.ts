import type { DatabaseSpec } from "./config/validate";

/**
 * Facts the components write onto resources for readers outside the program: the platform's policy pack
 * (policy/conventions.ts imports these names, so the two cannot drift apart), dashboards and operators.
 * A policy sees only resource inputs, so a promise that lives only in stack config is invisible to it.
 * Pure (no Pulumi import): the policy pack loads this module too.
 */
export const DECLARED = {
    /** Docker label and Kubernetes annotation: the data age a baked replica promises, in minutes. */
    maxStaleness: "dbplace.io/max-staleness-minutes",
    /** Kubernetes annotation on a self-hosted backup job: how many days of dumps it keeps. */
    backupRetention: "dbplace.io/backup-retention-days",
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

/** `dbplace.io/x` spelled as an AWS tag key (`dbplace:x`). */
export const awsTagKey = (key: string): string => key.replace(/^dbplace\.io\//, "dbplace:");

/** `dbplace.io/x` spelled as a GCP label key (`dbplace-x`): GCP allows only `[a-z0-9_-]` in keys. */
export const gcpLabelKey = (key: string): string => key.replace(/^dbplace\.io\//, "dbplace-");

/**
 * `{ [key]: "<minutes>" }` when the stack set `replicas.maxStalenessMinutes`, else `{}`. Nothing is
 * declared on the stack's behalf: a default the stack never promised would let the pack pass a replica
 * nobody bounded (the alerts keep their own default threshold).
 */
export function stalenessDeclaration(spec: DatabaseSpec, key: string = DECLARED.maxStaleness): Record<string, string> {
    const minutes = spec.replicas.maxStalenessMinutes;
    return minutes === undefined ? {} : { [key]: String(minutes) };
}
