import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { GcpSpec } from "../config/gcp";
import { scopedId } from "../config/gcp-names";
import { gcpLabelKey, LABELS } from "../labels";

/**
 * Names and labels GCP needs spelled out. Most resources are auto-named by Pulumi (`<logical>-<suffix>`);
 * these helpers cover the few whose ids must be chosen up front (service accounts, Artifact Registry
 * repositories, network tags, DNS names) and must stay unique when several stacks share one project.
 */

/** GCP label values: lower-case letters, digits, `_` and `-`, at most 63 characters. */
export function labelValue(value: string): string {
    return value.toLowerCase().replace(/[^a-z0-9_-]/g, "-").slice(0, 63);
}

/** Labels on every labelled resource, so billing reports and `gcloud … --filter` find a stack's pieces. */
export function gcpLabels(spec: DatabaseSpec, role: string): Record<string, string> {
    return {
        [gcpLabelKey(LABELS.stack)]: labelValue(pulumi.getStack()),
        [gcpLabelKey(LABELS.database)]: labelValue(spec.name),
        [gcpLabelKey(LABELS.role)]: labelValue(role),
        "managed-by": "pulumi",
    };
}

/** Project-unique id for this stack + database (+ role): `<db>-<role>-<hash>`, ≤ maxLength, DNS-label safe (config/gcp-names.ts checks it). */
export function stackScopedId(spec: DatabaseSpec, role: string, maxLength = 63): string {
    return scopedId(pulumi.getStack(), spec.name, role, maxLength);
}

/** Service account ids are 6-30 characters, `[a-z][-a-z0-9]*[a-z0-9]`. */
export function serviceAccountId(spec: DatabaseSpec, role: string): string {
    return stackScopedId(spec, role, 30);
}

/** Network tags that the firewall rules target: one for database VMs, one for baked-replica VMs. */
export function networkTag(spec: DatabaseSpec, role: "db" | "ro"): string {
    return stackScopedId(spec, role, 63);
}

/** Private DNS suffix for a database's names: unique per stack and database. */
export function dnsSuffix(spec: DatabaseSpec): string {
    return `${spec.name}.${labelValue(pulumi.getStack())}.dbplace.internal.`;
}

/**
 * The region's zones, every status, sorted: a position in this list is stable, so a zone that is
 * briefly DOWN (or a status filter) never shifts which zone a VM, disk or cluster gets. Whatever
 * takes a zone from it also ignores later changes of that zone (a new zone in the region must not
 * move anything). Source: Compute Engine API zones.list (status UP/DOWN is transient).
 */
export function stableZones(project: string, region: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string[]> {
    return gcp.compute.getZonesOutput({ project, region }, opts).names.apply((z) => [...z].sort());
}

/** The GCP settings of a spec, with a sentence when a caller skipped `resolveStack`. */
export function gcpOf(spec: DatabaseSpec): GcpSpec {
    if (!spec.gcp) throw new Error(`database "${spec.name}" has no GCP settings; build specs with resolveStack for cloud "gcp".`);
    return spec.gcp;
}

/** Cloud SQL `databaseVersion` for engine + major. */
export function cloudSqlVersion(spec: DatabaseSpec): string {
    return spec.engine === "postgres" ? `POSTGRES_${spec.engineVersion}` : `MYSQL_${spec.engineVersion.replace(".", "_")}`;
}

/** Connection-URI parameters that make clients insist on TLS (servers refuse plain text anyway). */
export function tlsParams(spec: DatabaseSpec): string {
    return spec.engine === "postgres" ? "?sslmode=require" : "?ssl-mode=REQUIRED";
}

/** Hour of a simple daily cron (`M H * * *`), for services that take a start time instead of a cron. */
export function cronHour(schedule: string, fallback = 3): number {
    const fields = schedule.trim().split(/\s+/);
    return fields.length === 5 && /^\d+$/.test(fields[1]) ? Number(fields[1]) : fallback;
}
