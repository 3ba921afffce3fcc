/**
 * Google Cloud's rules for the names the program derives from a stack's config, checked before any
 * resource exists (validate.ts calls gcpNameProblems for every GCP database). Each rule carries the
 * page that documents it. The names are the ones the GCP placements build: explicit ids from
 * scopedId (also used by gcp/naming.ts) and Pulumi auto-names, `<logical name>-<7 random characters>`
 * (pulumi-terraform-bridge AutoName: the logical name, "-", 7 random lower-case hex characters).
 */
import { createHash } from "node:crypto";

export interface NameRule {
    /** What the name is, as an error names it. */
    readonly what: string;
    readonly min: number;
    readonly max: number;
    readonly pattern: RegExp;
    /** The allowed shape in words. */
    readonly shape: string;
    readonly source: string;
    /** A further rule on the whole name (e.g. reserved prefixes); returns the problem. */
    readonly extra?: (name: string) => string | undefined;
}

const RFC1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC1035_SHAPE = "lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen";

export const GCP_NAME_RULES = {
    /** Instances, instance templates, MIGs, disks, addresses, firewall rules, networks, health checks, forwarding rules, resource policies. */
    compute: {
        what: "Compute Engine resource name", min: 1, max: 63, pattern: RFC1035, shape: RFC1035_SHAPE,
        // "The name must be 1-63 characters long and match the regular expression [a-z]([-a-z0-9]*[a-z0-9])?"
        source: "https://cloud.google.com/compute/docs/naming-resources#resource-name-format",
    },
    networkTag: {
        what: "network tag", min: 1, max: 63, pattern: RFC1035, shape: RFC1035_SHAPE,
        source: "https://cloud.google.com/vpc/docs/add-remove-network-tags#restrictions",
    },
    cloudSqlInstance: {
        // The API reference: "lowercase letters, numbers, and hyphens, and it must start with a letter …
        // maximum length of 98 characters" (it says the id excludes the project id; no length rule that
        // counts the project id was found in the documentation searched, so none is enforced here).
        what: "Cloud SQL instance id", min: 1, max: 98, pattern: /^[a-z][-a-z0-9]*$/, shape: "lower-case letters, digits and hyphens, starting with a letter",
        source: "https://cloud.google.com/sql/docs/mysql/admin-api/rest/v1/instances/get (SqlInstancesGetRequest.instance)",
    },
    gkeCluster: {
        // Cluster.name: "can be up to 40 characters … Lowercase letters, numbers, and hyphens only. Must start with a letter. Must end with a number or a letter."
        what: "GKE cluster name", min: 1, max: 40, pattern: RFC1035, shape: RFC1035_SHAPE,
        source: "https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters#Cluster",
    },
    serviceAccount: {
        // CreateServiceAccountRequest.account_id: "6-30 characters long, and match the regular expression [a-z]([-a-z0-9]*[a-z0-9])".
        what: "service account id", min: 6, max: 30, pattern: RFC1035, shape: RFC1035_SHAPE,
        source: "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create",
    },
    secret: {
        // CreateSecretRequest.secret_id: "maximum length of 255 characters … uppercase and lowercase letters, numerals, and the hyphen (-) and underscore (_)".
        what: "Secret Manager secret id", min: 1, max: 255, pattern: /^[A-Za-z0-9_-]+$/, shape: "letters, digits, hyphens and underscores",
        source: "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create",
    },
    dnsZone: {
        // ManagedZone.name: "must be 1-63 characters long, must begin with a letter, end with a letter or digit, and only contain lowercase letters, digits or dashes".
        what: "Cloud DNS managed zone name", min: 1, max: 63, pattern: RFC1035, shape: RFC1035_SHAPE,
        source: "https://cloud.google.com/dns/docs/reference/rest/v1/managedZones",
    },
    bucket: {
        what: "Cloud Storage bucket name", min: 3, max: 63, pattern: /^[a-z0-9][-a-z0-9_.]*[a-z0-9]$/,
        shape: "lower-case letters, digits, hyphens, underscores and dots, starting and ending with a letter or digit",
        source: "https://cloud.google.com/storage/docs/buckets#naming",
        extra: (name: string) => name.startsWith("goog")
            ? 'starts with "goog", which Cloud Storage reserves'
            : name.includes("google") ? 'contains "google", which Cloud Storage refuses in bucket names' : undefined,
    },
} satisfies Record<string, NameRule>;

export type NameKind = keyof typeof GCP_NAME_RULES;

/** What a name breaks, in words; undefined when it keeps the rule. */
export function nameProblem(kind: NameKind, name: string): string | undefined {
    const rule: NameRule = GCP_NAME_RULES[kind];
    if (name.length < rule.min || name.length > rule.max) return `is ${name.length} characters; ${rule.what}s are ${rule.min}-${rule.max}`;
    if (!rule.pattern.test(name)) return `is not ${rule.shape}`;
    return rule.extra?.(name);
}

/** Pulumi's auto-name for a logical name: the suffix's length is what counts, so a placeholder stands in. */
export const AUTONAME_SUFFIX = "-" + "x".repeat(7);

/** Project-unique id for a stack + database (+ role): `<db>-<role>-<hash>`, at most maxLength, RFC 1035. */
export function scopedId(stack: string, database: string, role: string, maxLength = 63): string {
    const hash = createHash("sha256").update(`${stack}/${database}/${role}`).digest("hex").slice(0, 6);
    const head = `${database}-${role}`.slice(0, maxLength - hash.length - 1).replace(/-+$/, "");
    return `${head}-${hash}`;
}

export interface DerivedName {
    readonly kind: NameKind;
    readonly name: string;
    /** The logical name Pulumi auto-names from (undefined: the program sets the id itself). */
    readonly logical?: string;
}

/** The parts of a GCP database's spec its names depend on. */
export interface NamingInput {
    readonly stack: string;
    readonly database: string;
    readonly placement: "vm" | "managed" | "cluster" | "docker";
    readonly replicaKind: "none" | "baked" | "streaming";
    readonly replicaCount: number;
    readonly highAvailability: boolean;
    /** The baked replicas run on a managed instance group of VMs (no cluster named). */
    readonly bakedOnVms: boolean;
    /** The stack creates the dump bucket (no gs:// destination given). */
    readonly createsBucket: boolean;
    /** A GKE cluster is created for the stack. */
    readonly createsGke: boolean;
}

/** Every name the GCP placements derive for one database, as `pulumi up` would send them. */
export function derivedNames(n: NamingInput): DerivedName[] {
    const db = n.database;
    const auto = (kind: NameKind, logical: string): DerivedName => ({ kind, name: logical + AUTONAME_SUFFIX, logical });
    const id = (kind: NameKind, role: string, max?: number): DerivedName => ({ kind, name: scopedId(n.stack, db, role, max) });
    const out: DerivedName[] = [];
    if (n.placement === "vm") {
        const standbys = n.replicaKind === "streaming" ? n.replicaCount : n.highAvailability ? 1 : 0;
        for (const host of ["primary", ...Array.from({ length: standbys }, (_, i) => `standby-${i}`)]) {
            out.push(auto("compute", `${db}-${host}`), auto("compute", `${db}-${host}-data`), auto("compute", `${db}-${host}-ip`));
        }
        out.push(auto("compute", `${db}-snapshots`), auto("compute", `${db}-fw-clients`), auto("compute", `${db}-fw-iap-ssh`));
        if (n.replicaKind === "streaming") out.push(auto("dnsZone", `${db}-dns-zone`));
        out.push(id("serviceAccount", "vm", 30), id("secret", "credentials"), id("networkTag", "db"));
        if (n.createsBucket) out.push(auto("bucket", `${db}-dumps`));
    }
    if (n.placement === "managed") {
        out.push(auto("cloudSqlInstance", `${db}-primary`));
        if (n.replicaKind === "streaming") {
            for (let i = 0; i < n.replicaCount; i++) out.push(auto("cloudSqlInstance", `${db}-replica-${i}`));
            out.push(auto("dnsZone", `${db}-dns-zone`));
        }
    }
    if (n.bakedOnVms) {
        for (const part of ["template", "mig", "health", "autoscaler", "fw-clients", "fw-iap-ssh", "fw-health-checks", "ilb", "ilb-backend"]) {
            out.push(auto("compute", `${db}-baked-${part}`));
        }
        out.push(auto("dnsZone", `${db}-baked-dns-zone`));
        out.push(id("serviceAccount", "replica", 30), id("serviceAccount", "baker", 30), id("secret", "replica-tls"), id("networkTag", "ro"));
    }
    if (n.createsGke) out.push(auto("gkeCluster", "gke-cluster"), id("serviceAccount", "gke", 30));
    return out;
}

/** Problems of one database's derived names, each naming the rule's limit and source. */
export function gcpNameProblems(n: NamingInput): string[] {
    return derivedNames(n).flatMap((d) => {
        const problem = nameProblem(d.kind, d.name);
        if (!problem) return [];
        const rule: NameRule = GCP_NAME_RULES[d.kind];
        const made = d.logical ? ` (Pulumi's auto-name of "${d.logical}")` : "";
        return [`the ${rule.what} derived from it, "${d.name}"${made}, ${problem} (limit ${rule.min}-${rule.max} characters, ${rule.shape}; ${rule.source})`];
    });
}
