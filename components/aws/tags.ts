import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { awsTagKey, LABELS } from "../labels";

/**
 * Tags on every AWS resource: cost reports and `aws resourcegroupstaggingapi` find a stack's pieces,
 * and the DLM policy selects data volumes by `dbplace:snapshot`.
 */
export function awsTags(database: string, role: string): Record<string, string> {
    return {
        Name: `${pulumi.getStack()}-${database}-${role}`,
        [awsTagKey(LABELS.stack)]: pulumi.getStack(),
        [awsTagKey(LABELS.database)]: database,
        [awsTagKey(LABELS.role)]: role,
    };
}

/** Tags of stack-wide resources shared by several databases (network, EKS). */
export function sharedTags(role: string): Record<string, string> {
    return { Name: `${pulumi.getStack()}-${role}`, [awsTagKey(LABELS.stack)]: pulumi.getStack(), [awsTagKey(LABELS.role)]: role };
}

/** A DNS label / identifier fragment from any stack name: lower-case letters, digits and single dashes. */
export function slug(text: string, max = 40): string {
    const s = text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return (s || "x").slice(0, max).replace(/-+$/, "");
}

/** Private hosted zone of one database: stable names for primaries and read endpoints inside the VPC. */
export function zoneName(database: string): string {
    return `${database}.${slug(pulumi.getStack())}.dbplace.internal`;
}

/**
 * ≤32-character physical name for resources AWS limits that tightly (load balancers, target groups),
 * stable per stack and database so a re-run never renames them.
 */
export function shortName(database: string, role: string): string {
    const hash = createHash("sha256").update(`${pulumi.getProject()}/${pulumi.getStack()}/${database}/${role}`).digest("hex").slice(0, 8);
    return `${slug(database, 30 - role.length - 10)}-${role}-${hash}`;
}
