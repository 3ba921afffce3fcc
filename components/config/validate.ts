import { z } from "zod";
import { cidrProblem } from "./cidr";
import { allowListProblem, wideEntries } from "./allow-list";
import { cronProblem } from "./cron";
import { imageProblem } from "./references";
import { labelKeyProblem, labelValueProblem } from "./k8s-labels";
import { ENGINE_PROFILES } from "./engines";
import { ConfigError } from "./errors";
import { rdsDatabaseNameProblem, rdsIdentifierProblem } from "./aws-rules";
import { gcpNameProblems, NamingInput } from "./gcp-names";
import { AwsSpec, awsProvider, resolveAws } from "./aws";
import { Ambient, gcpProvider, GcpSpec, resolveGcp } from "./gcp";
import { describeIssues, show } from "./issues";
import { isUnknown, salvage } from "./salvage";
import { SizePreset, sizePreset } from "./presets";
import { awsSchema, backupSchema, clusterSchema, databaseEntrySchema, gcpSchema, networkSchema, RawDatabaseEntry, replicasSchema, stackSchema } from "./raw";
import {
    BAKEABLE_ENGINES, BAKEABLE_PLACEMENTS, Cloud, Engine, ENGINE_VERSIONS, Placement, PLACEMENTS_BY_CLOUD, REPLICA_SUPPORT, ReplicaKind, Size,
    STREAMING_ENGINES_SELF_HOSTED,
} from "./schema";
import { PROGRAM_LABEL_PREFIXES } from "../labels";

export { cidrProblem } from "./cidr";

/** A database after defaults, overrides and every cross-key rule: what the placements build from. */
export interface DatabaseSpec {
    /** Normalised name: a DNS label, used for every child resource name. */
    readonly name: string;
    /** SQL identifier of the application database (`-` becomes `_`). */
    readonly databaseName: string;
    readonly cloud: Cloud;
    readonly placement: Placement;
    readonly engine: Engine;
    readonly engineVersion: string;
    readonly size: Size;
    readonly preset: SizePreset;
    readonly highAvailability: boolean;
    readonly backupRetentionDays: number;
    readonly deletionProtection: boolean;
    readonly replicas: ReplicaSpec;
    readonly network: NetworkSpec;
    readonly cluster: ClusterSpec;
    readonly backup: BackupSpec;
    readonly alertEmail?: string;
    readonly image: string;
    readonly exporterImage: string;
    /** cloud gcp only: project, region, Cloud SQL tier/edition, machine types. */
    readonly gcp?: GcpSpec;
    /** cloud aws only: region, how the RDS master password is kept, where dumps go. */
    readonly aws?: AwsSpec;
}
export interface ReplicaSpec {
    readonly kind: ReplicaKind;
    readonly count: number;
    readonly schedule?: string;
    readonly maxStalenessMinutes?: number;
    readonly dump?: string;
    readonly image?: string;
    /** Where baked images are pushed so a cluster can pull them. */
    readonly repository?: string;
    /**
     * Where the replicas' images come from, decided once here: `image` (given), `dump` (baked from replicas.dump at
     * deploy), `empty` (docker: the empty database baked at deploy), `loop` (cluster: the master's own dumps, baked
     * in the cluster by a Job at first deploy and by a CronJob on `schedule`). Undefined unless kind is baked.
     */
    readonly source?: "image" | "dump" | "empty" | "loop";
    /** loop only: the bake Job's image. */
    readonly bakerImage?: string;
    /** loop only: the dockerconfigjson Secret the bake Job pushes with. */
    readonly pushSecret?: string;
    readonly mode: "service" | "sidecar";
    readonly maxReplicas?: number;
    /**
     * Where the replicas run, decided once here (replicasRunOn): `docker` containers, `cluster` (a
     * Kubernetes Deployment, or the application's pods in sidecar mode), `vms` (the instance group a vm or
     * managed placement creates when no cluster is configured), `self` (the placement's own streaming
     * replicas: RDS / Cloud SQL read replicas, standby VMs); `none` without replicas.
     */
    readonly runsOn: ReplicasRunOn;
}
export type ReplicasRunOn = "none" | "docker" | "cluster" | "vms" | "self";
export interface NetworkSpec {
    /**
     * Whether the database joins the stack's network (the one the stack creates, or the one
     * existingNetworkId names): every placement but a cluster the stack does not create, which brings its own.
     */
    readonly inStackNetwork: boolean;
    /**
     * Whether something of the database in that network reaches the internet (needs NAT): VMs install
     * packages, created cluster nodes and replica VMs pull images; a managed database alone needs none.
     */
    readonly needsEgress: boolean;
    readonly existingNetworkId?: string;
    readonly existingSubnetIds: string[];
    readonly allowedCidrs: string[];
    readonly allowedNamespaces: string[];
    readonly allowedPodLabels: Record<string, string>;
    readonly allowedSecurityGroupIds: string[];
    readonly allowedTags: string[];
}
export interface ClusterSpec {
    /** True when the stack configured a cluster explicitly (kubeconfig, context or create). */
    readonly configured: boolean;
    readonly kubeconfig?: string;
    readonly context?: string;
    readonly namespace: string;
    /** The program creates the namespace only when it picked the name itself. */
    readonly createNamespace: boolean;
    readonly storageClass?: string;
    readonly prometheusOperator: boolean;
    readonly monitoringNamespace: string;
    /** Labels on the ServiceMonitor and PrometheusRule that the Prometheus's selectors match. */
    readonly prometheusSelectorLabels: Record<string, string>;
    readonly create: boolean;
    /** gcp with create: ranges the GKE control plane's endpoint answers, besides the stack network. */
    readonly apiAllowedCidrs: string[];
    /** Overrides of the user and group database pods run as; default: the engine image's. */
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    /** highAvailability: the standby must run on another node than the primary (else only preferred). */
    readonly requireSeparateNodes: boolean;
}
export interface BackupSpec {
    readonly schedule: string;
    readonly destination: "pvc" | `s3://${string}` | `gs://${string}`;
    readonly credentialsSecret?: string;
    /** Object-store destinations on a cluster: the cloud identity the database's ServiceAccount is bound to. */
    readonly identity?: BackupIdentity;
}
/** IRSA (an IAM role for an s3 destination) or GKE Workload Identity (a Google service account for gs). */
export interface BackupIdentity {
    readonly kind: "aws-role" | "gcp-service-account";
    readonly value: string;
}
export interface StackSpec {
    readonly cloud: Cloud;
    readonly databases: DatabaseSpec[];
    /** Accepted but worth a second look (very wide allow-list entries); one sentence each, key named. */
    readonly warnings: string[];
}

export const DEFAULT_DATABASE = "app";
export const DEFAULT_BACKUP_SCHEDULE = "17 3 * * *";
const NAME_PATTERN = /^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$/;

const SHAPES: Record<string, z.ZodObject> = {
    replicas: replicasSchema,
    network: networkSchema,
    cluster: clusterSchema,
    backup: backupSchema,
    gcp: gcpSchema,
    aws: awsSchema,
};

/**
 * Validates raw stack config (already typed: objects parsed, booleans and numbers converted) and
 * resolves it into one spec per database. Pure: throws ConfigError listing every problem, each naming
 * its key as `<project>:<path>`, the bad value and the allowed values. `ambient` is the provider config
 * (`gcp:project`…) and environment a cloud needs before anything can be created; the program passes
 * its own, tests pass literals.
 */
export function resolveStack(raw: unknown, project = "dbplace", ambient: Ambient = {}): StackSpec {
    const key = (path: PropertyKey[]) => `${project}:${path.map(String).join(".")}`;
    const parsed = stackSchema.safeParse(raw, { reportInput: true });
    const problems: string[] = parsed.success ? [] : describeIssues(parsed.error, key, allowedAt);
    const salvaged = parsed.success ? { data: parsed.data, unknown: [] } : salvage(raw, parsed.error, allowedAt);
    const stack = salvaged.data;
    if (!stack) throw new ConfigError(problems);
    // A rule about a value that did not parse would be reasoning about a default the operator never chose.
    const unsure = (...paths: PropertyKey[][]) => paths.some((p) => isUnknown(salvaged.unknown, p));
    const warnings: string[] = [];
    const entries: [string, RawDatabaseEntry, string[]][] = stack.databases
        ? Object.entries(stack.databases).map(([n, e]) => [n, e, ["databases", n]])
        : [[DEFAULT_DATABASE, {}, []]];
    if (stack.databases && entries.length === 0 && !salvaged.unknown.some((u) => u[0] === "databases")) {
        problems.push(`${key(["databases"])} is empty; list at least one database or remove the key to get one named "${DEFAULT_DATABASE}".`);
    }

    const gcp = stack.cloud === "gcp" ? gcpProvider(ambient) : undefined;
    if (gcp) problems.push(...gcp.problems);
    const aws = stack.cloud === "aws" ? awsProvider(ambient) : undefined;
    if (aws) problems.push(...aws.problems);

    const seen = new Map<string, string>();
    const databases: DatabaseSpec[] = [];
    for (const [rawName, entry, base] of entries) {
        const name = normaliseName(rawName);
        if (!NAME_PATTERN.test(name)) {
            problems.push(`${key(base)}: database name "${rawName}" becomes "${name}", which is not a valid name; use 1-30 lower-case letters, digits and dashes, starting with a letter.`);
            continue;
        }
        const earlier = seen.get(name);
        if (earlier !== undefined) {
            problems.push(`${key(base)}: database names "${earlier}" and "${rawName}" both normalise to "${name}"; rename one of them.`);
            continue;
        }
        seen.set(name, rawName);
        // Every other rule depends on the engine; guessing the default would misreport versions and replicas.
        if (unsure([...base, "engine"], ["engine"])) continue;
        const into = (list: string[]) => (path: string[], sentence: string) => {
            if (unsure([...base, ...path], path)) return;
            list.push(`${key(definedIn(entry, path) ? [...base, ...path] : path)} ${sentence}`);
        };
        const spec = resolveDatabase(name, stack.cloud, merge(stack, entry), gcp, aws?.region, into(problems), into(warnings));
        if (spec?.cloud === "aws" && spec.placement === "managed") {
            // RDS derives identifiers and the DBName from the database's own name (config/aws-rules.ts).
            for (const problem of [rdsIdentifierProblem(name), rdsDatabaseNameProblem(spec.engine, spec.databaseName)]) {
                if (problem) problems.push(`${key(base.length ? base : ["databases"])}: database name "${rawName}" on placement "managed" (RDS): ${problem}.`);
            }
        }
        if (spec?.cloud === "gcp") {
            // The names the GCP placements derive from the database's name, against the API's rules (config/gcp-names.ts).
            for (const problem of gcpNameProblems(gcpNamingInput(spec))) {
                problems.push(`${key(base.length ? base : ["databases"])}: database name "${rawName}" on cloud "gcp" placement "${spec.placement}": ${problem}.`);
            }
        }
        if (spec) databases.push(spec);
    }
    if (problems.length > 0) throw new ConfigError([...new Set(problems)]);
    return { cloud: stack.cloud, databases, warnings };
}

/** Whether the entry itself sets `path`; merged sections (network, cluster…) are looked up per field. */
function definedIn(entry: RawDatabaseEntry, path: string[]): boolean {
    const top = entry[path[0] as keyof RawDatabaseEntry];
    if (top === undefined) return false;
    if (path.length < 2 || !MERGED.includes(path[0] as (typeof MERGED)[number])) return true;
    return (top as Record<string, unknown>)[path[1]] !== undefined;
}

const MERGED = ["network", "cluster", "backup", "gcp", "aws"] as const;

/** Entry keys override stack-wide keys; `network`, `cluster`, `backup` and `gcp` merge per field, `replicas` is replaced whole. */
function merge(stack: RawDatabaseEntry, entry: RawDatabaseEntry): RawDatabaseEntry {
    const merged: RawDatabaseEntry = { ...stripStackOnly(stack), ...entry };
    for (const k of MERGED) {
        if (stack[k] || entry[k]) (merged as Record<string, unknown>)[k] = { ...stack[k], ...entry[k] };
    }
    return merged;
}

function stripStackOnly(stack: RawDatabaseEntry & { cloud?: unknown; databases?: unknown }): RawDatabaseEntry {
    const { cloud: _c, databases: _d, ...rest } = stack;
    return rest;
}

export function normaliseName(name: string): string {
    return name.trim().toLowerCase().replace(/[\s_.]+/g, "-");
}

function allowedAt(path: PropertyKey[]): string[] | undefined {
    if (path.length === 0) return Object.keys(stackSchema.shape);
    if (path.length === 2 && path[0] === "databases") return Object.keys(databaseEntrySchema.shape);
    const shape = SHAPES[String(path[path.length - 1])];
    return shape ? Object.keys(shape.shape) : undefined;
}

type Report = (path: string[], problem: string) => void;

function resolveDatabase(name: string, cloud: Cloud, e: RawDatabaseEntry, gcpProvider: { project?: string; region?: string } | undefined, awsRegion: string | undefined, report: Report, warn: Report): DatabaseSpec | undefined {
    let ok = true;
    const fail: Report = (p, m) => {
        ok = false;
        report(p, m);
    };

    const placement = e.placement;
    const allowedPlacements = PLACEMENTS_BY_CLOUD[cloud];
    if (placement === undefined) {
        fail(["placement"], `is required; allowed values on cloud "${cloud}": ${allowedPlacements.join(", ")}.`);
        return undefined;
    }
    if (!allowedPlacements.includes(placement)) {
        fail(["placement"], `is "${placement}", which is not available on cloud "${cloud}"; allowed values: ${allowedPlacements.join(", ")}.`);
        return undefined;
    }
    const engine = e.engine ?? "postgres";
    const versions = ENGINE_VERSIONS[engine];
    const engineVersion = e.engineVersion ?? versions[versions.length - 1];
    if (!versions.includes(engineVersion)) {
        // YAML reads an unquoted 8.0 as the number 8, which Pulumi then hands over as "8".
        const unquoted = versions.find((v) => v !== engineVersion && Number(v) === Number(engineVersion));
        fail(["engineVersion"], `is "${engineVersion}", which is not a supported ${engine} major version; allowed values: ${versions.join(", ")}.${unquoted ? ` YAML reads an unquoted ${unquoted} as the number ${engineVersion}: quote it, engineVersion: "${unquoted}".` : ""}`);
    }
    const size = e.size ?? "small";
    const selfHosted = placement === "docker" || placement === "cluster";

    if (e.highAvailability && placement === "docker") {
        fail(["highAvailability"], `is true, but placement "docker" is a single local container; use placement cluster, vm or managed for high availability, or set it to false.`);
    }
    if (e.highAvailability && placement === "cluster" && !STREAMING_ENGINES_SELF_HOSTED.includes(engine)) {
        fail(["highAvailability"], `is true, but placement "cluster" builds its standby with streaming replication, which it offers for ${STREAMING_ENGINES_SELF_HOSTED.join(", ")} only; engine "${engine}" needs placement managed for high availability, or set it to false.`);
    }

    const replicas = resolveReplicas(cloud, placement, engine, engineVersion, e, fail);
    const network = resolveNetwork(name, placement, e, replicas?.runsOn, fail, warn);
    const cluster = resolveCluster(name, cloud, e, fail);
    const backup = resolveBackup(e, fail);
    if (e.alertEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(e.alertEmail)) {
        fail(["alertEmail"], `is ${show(e.alertEmail)}, which is not an email address.`);
    }
    for (const [path, ref] of [[["image"], e.image], [["exporterImage"], e.exporterImage], [["replicas", "image"], e.replicas?.image]] as const) {
        const problem = ref === undefined ? undefined : imageProblem(ref);
        if (problem) fail([...path], `is ${show(ref)}, which Docker and Kubernetes refuse as an image reference: ${problem}; write it like registry.example.com/team/postgres:17.`);
    }
    if (e.backup?.identity !== undefined && placement !== "cluster") {
        fail(["backup", "identity"], `only applies to placement "cluster" (the ServiceAccount of its dump Job); placement "${placement}" gives its machines their own cloud identity.`);
    }
    if (!selfHosted && e.image !== undefined) {
        fail(["image"], `only applies to placements docker and cluster; placement "${placement}" uses the cloud's own engine build.`);
    }
    if (e.gcp !== undefined && cloud !== "gcp") {
        fail(["gcp"], `only applies to cloud "gcp"; this stack's cloud is "${cloud}".`);
    }
    const highAvailability = e.highAvailability ?? false;
    const backupRetentionDays = e.backupRetentionDays ?? 7;
    const gcp = cloud === "gcp"
        ? resolveGcp({
            project: gcpProvider?.project ?? "",
            region: gcpProvider?.region ?? "",
            placement, engine, size, highAvailability, backupRetentionDays,
            backupDestination: e.backup?.destination,
            clusterCreate: e.cluster?.create ?? false,
            bakedOnVms: replicasRunOn(cloud, placement, e.replicas?.kind ?? "none", cluster?.configured ?? false) === "vms",
            existingNetworkId: e.network?.existingNetworkId,
            existingSubnetIds: e.network?.existingSubnetIds ?? [],
            raw: e.gcp ?? {},
            fail,
        })
        : undefined;
    const aws = cloud === "aws"
        ? resolveAws({
            region: awsRegion ?? "",
            placement, engine, engineVersion, highAvailability, backupRetentionDays,
            replicaKind: e.replicas?.kind ?? "none",
            backupDestination: e.backup?.destination,
            backupSchedule: e.backup?.schedule,
            existingNetworkId: e.network?.existingNetworkId,
            existingSubnetIds: e.network?.existingSubnetIds,
            allowedTags: e.network?.allowedTags,
            raw: e.aws ?? {},
            fail,
        })
        : undefined;
    if (e.aws !== undefined && cloud !== "aws") {
        fail(["aws"], `only applies to cloud "aws"; this stack's cloud is "${cloud}".`);
    }
    if (!ok || !replicas || !cluster || !backup || (cloud === "gcp" && !gcp) || (cloud === "aws" && !aws)) return undefined;

    const profile = ENGINE_PROFILES[engine];
    return {
        name,
        databaseName: name.replace(/-/g, "_"),
        cloud,
        placement,
        engine,
        engineVersion,
        size,
        preset: sizePreset(cloud, placement, size, engine),
        highAvailability,
        backupRetentionDays,
        deletionProtection: e.deletionProtection ?? true,
        replicas,
        network,
        cluster,
        backup,
        alertEmail: e.alertEmail,
        image: e.image ?? profile.defaultImage(engineVersion),
        exporterImage: e.exporterImage ?? profile.defaultExporterImage,
        ...(gcp ? { gcp } : {}),
        ...(aws ? { aws } : {}),
    };
}

function resolveReplicas(cloud: Cloud, placement: Placement, engine: Engine, engineVersion: string, e: RawDatabaseEntry, fail: Report): ReplicaSpec | undefined {
    const r = e.replicas ?? { kind: "none" as const };
    const kind = r.kind;
    const count = r.count ?? (kind === "none" ? 0 : 2);
    let ok = true;
    const bad = (field: string, msg: string) => {
        ok = false;
        fail(["replicas", field], msg);
    };
    if (kind === "none") {
        if (count > 0) bad("count", `is ${count}, but replicas.kind is "none"; set replicas.kind to baked or streaming, or remove the count.`);
        for (const k of ["schedule", "maxStalenessMinutes", "dump", "image", "repository", "bakerImage", "pushSecret", "mode", "maxReplicas"] as const) {
            if (r[k] !== undefined) bad(k, `only applies when replicas.kind is baked; it is "none".`);
        }
        return ok ? { kind, count: 0, mode: "service", runsOn: "none" } : undefined;
    }
    const host = REPLICA_SUPPORT[cloud][placement]?.[kind];
    const runsOn = replicasRunOn(cloud, placement, kind, clusterConfigured(e));
    if (!host) {
        const available = Object.keys(REPLICA_SUPPORT[cloud][placement] ?? {});
        bad("kind", `is "${kind}", which placement "${placement}" on cloud "${cloud}" does not offer; allowed values: none${available.map((k) => `, ${k}`).join("")}.`);
    }
    if (kind === "baked") {
        if (!BAKEABLE_ENGINES.includes(engine)) {
            bad("kind", `is "baked", but engine "${engine}" cannot be baked yet; baked replicas support: ${BAKEABLE_ENGINES.join(", ")}. Use replicas.kind streaming or none.`);
        } else if (!BAKEABLE_PLACEMENTS[engine].includes(placement)) {
            const engines = BAKEABLE_ENGINES.filter((x) => BAKEABLE_PLACEMENTS[x].includes(placement));
            bad("kind", `is "baked", but engine "${engine}" is baked on placement ${BAKEABLE_PLACEMENTS[engine].join(", ")} only, not "${placement}" (placement "${placement}" bakes engine ${engines.join(", ")}); allowed values of replicas.kind for engine "${engine}" here: none${placement !== "docker" && placement !== "cluster" && REPLICA_SUPPORT[cloud][placement]?.streaming ? ", streaming" : ""}.`);
        }
        if (host === "cluster" && !clusterConfigured(e)) {
            bad("kind", `is "baked", but placement "${placement}" has nowhere to run replica containers; set cluster.kubeconfig, cluster.context or cluster.create so they run on a Kubernetes cluster.`);
        }
        if (runsOn === "vms" && r.mode === "sidecar") {
            bad("mode", `is "sidecar", but with no cluster configured placement "${placement}" runs baked replicas on VMs, which have no application pods to join; configure cluster.kubeconfig, cluster.context or cluster.create, or use mode service.`);
        }
        if (host === "cluster-or-vms" && r.dump === undefined && r.image === undefined) {
            bad("kind", `is "baked" on placement "${placement}", but neither replicas.dump nor replicas.image is set; the scheduled dumps only exist after the first deploy, so give a dump to bake (replicas.dump) or an image baked with \`npm run bake\` (replicas.image).`);
        }
        if (r.dump !== undefined && r.image !== undefined) bad("image", `and replicas.dump are both set; give one: a dump to bake, or an image already baked.`);
        if (placement === "cluster" && r.dump === undefined && r.image === undefined && r.repository === undefined) {
            bad("kind", `is "baked" on placement "cluster", but none of replicas.repository, replicas.image or replicas.dump is set; give replicas.repository (the cluster then bakes the master's own dumps and pushes them there), an image baked with \`npm run bake\` (replicas.image), or a dump to bake (replicas.dump) with replicas.repository to push it to.`);
        }
        if (r.repository !== undefined && placement === "docker") {
            bad("repository", `only applies to replicas running on Kubernetes; placement "docker" runs the baked image from the local engine without pushing it.`);
        } else if (r.repository !== undefined && r.image !== undefined) {
            bad("repository", `is set with replicas.image; an image given is not baked or pushed here. Remove one of them.`);
        } else if (r.repository !== undefined && r.dump === undefined && placement !== "cluster") {
            bad("repository", `is set, but replicas.dump is not; on placement "${placement}" the repository receives the image baked from the dump (only placement cluster bakes the master's own dumps in the cluster). Set replicas.dump, or remove replicas.repository.`);
        } else if (r.repository !== undefined && /[:@][^/]*$/.test(r.repository)) {
            bad("repository", `is ${show(r.repository)}; give a repository without a tag or digest (e.g. registry.example.com/team/app-baked): the tag is the dump's digest.`);
        } else if (r.repository === undefined && r.dump !== undefined && runsOn === "cluster" && !(cloud === "gcp" && placement !== "cluster")) {
            // (gcp vm/managed push what they bake to the Artifact Registry repository they create.)
            bad("repository", `is required with replicas.dump when replicas run on Kubernetes: the cluster pulls the baked image from a registry. Set it to a repository without a tag, e.g. registry.example.com/team/app-baked.`);
        }
        if ((r.mode !== undefined || r.maxReplicas !== undefined) && placement === "docker") {
            bad(r.mode !== undefined ? "mode" : "maxReplicas", `only applies to replicas running on Kubernetes; placement "docker" runs them as containers.`);
        }
        if (r.mode === "sidecar" && r.maxReplicas !== undefined) bad("maxReplicas", `has no effect in sidecar mode: the application's own Deployment decides how many replicas run.`);
        if (r.maxReplicas !== undefined && r.maxReplicas < count) bad("maxReplicas", `is ${r.maxReplicas}, below replicas.count ${count}; the autoscaler ceiling must be at least the count.`);
    } else {
        for (const k of ["schedule", "maxStalenessMinutes", "dump", "image", "repository", "bakerImage", "pushSecret", "mode", "maxReplicas"] as const) {
            if (r[k] !== undefined) bad(k, `only applies when replicas.kind is baked; it is "${kind}".`);
        }
        if ((placement === "docker" || placement === "cluster") && !STREAMING_ENGINES_SELF_HOSTED.includes(engine)) {
            bad("kind", `is "streaming", but placement "${placement}" streams ${STREAMING_ENGINES_SELF_HOSTED.join(", ")} only; engine "${engine}" needs placement managed for read replicas.`);
        }
    }
    const source = kind !== "baked" ? undefined : r.image !== undefined ? "image" : r.dump !== undefined ? "dump" : placement === "cluster" ? "loop" : "empty";
    if (r.bakerImage !== undefined && source !== "loop") {
        bad("bakerImage", `only applies when placement cluster bakes the master's own dumps (replicas.repository without replicas.dump or replicas.image).`);
    }
    if (r.pushSecret !== undefined && source !== "loop") {
        bad("pushSecret", `only applies when placement cluster bakes the master's own dumps (replicas.repository without replicas.dump or replicas.image).`);
    }
    // These registries refuse an anonymous push: say so now rather than in a failed first bake Job.
    const loginRegistry = /\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/|(^|\.)pkg\.dev\/|^gcr\.io\//.exec(r.repository ?? "");
    if (source === "loop" && loginRegistry && r.pushSecret === undefined) {
        bad("pushSecret", `is not set, but replicas.repository ${show(r.repository)} is a registry that needs a login to push; create a kubernetes.io/dockerconfigjson Secret in the database's namespace and name it in replicas.pushSecret.`);
    }
    if (source === "loop" && r.mode === "sidecar") {
        bad("mode", `is "sidecar", which the in-cluster bake loop cannot roll (the replicas live in the application's pods); use mode service, or bake with replicas.dump / replicas.image.`);
    }
    if (count === 0) bad("count", `is 0 with replicas.kind "${kind}"; use at least 1, or set replicas.kind to none.`);
    if (r.schedule !== undefined) {
        const problem = cronProblem(r.schedule);
        if (problem) bad("schedule", `is ${show(r.schedule)}, not a valid cron schedule: ${problem}.`);
    }
    if (!ok) return undefined;
    return {
        kind,
        count,
        schedule: r.schedule,
        maxStalenessMinutes: r.maxStalenessMinutes,
        dump: r.dump,
        image: r.image,
        repository: r.repository,
        source,
        bakerImage: source === "loop" ? r.bakerImage ?? `dbplace/baker:${engineVersion}` : undefined,
        pushSecret: source === "loop" ? r.pushSecret : undefined,
        mode: r.mode ?? "service",
        maxReplicas: r.maxReplicas,
        runsOn,
    };
}

/** Whether the stack names a cluster for the database (kubeconfig, context or create): ClusterSpec.configured. */
function clusterConfigured(e: RawDatabaseEntry): boolean {
    return Boolean(e.cluster?.kubeconfig || e.cluster?.context || e.cluster?.create);
}

/** Where a database's replicas run (ReplicaSpec.runsOn): the one place this is decided. */
export function replicasRunOn(cloud: Cloud, placement: Placement, kind: ReplicaKind, clusterIsConfigured: boolean): ReplicasRunOn {
    if (kind === "none") return "none";
    if (placement === "docker") return "docker";
    if (placement === "cluster") return "cluster";
    const host = REPLICA_SUPPORT[cloud][placement]?.[kind];
    if (host === "self") return "self";
    return host === "cluster" || clusterIsConfigured ? "cluster" : "vms";
}

function resolveNetwork(name: string, placement: Placement, e: RawDatabaseEntry, replicasRunOn: ReplicasRunOn | undefined, fail: Report, warn: Report): NetworkSpec {
    const n = e.network ?? {};
    const cidrs = n.allowedCidrs ?? [];
    cidrs.forEach((cidr, i) => {
        const problem = cidrProblem(cidr);
        if (problem) fail(["network", "allowedCidrs", String(i)], `is ${show(cidr)}: ${problem}.`);
    });
    const union = allowListProblem(cidrs);
    if (union) fail(["network", "allowedCidrs"], `is ${show(cidrs)} for database "${name}": ${union}.`);
    for (const w of wideEntries(cidrs)) warn(["network", "allowedCidrs", String(w.index)], `is ${show(w.cidr)} for database "${name}": ${w.why}.`);
    const createsCluster = e.cluster?.create ?? false;
    return {
        inStackNetwork: placement !== "cluster" || createsCluster,
        needsEgress: placement === "vm" || createsCluster || replicasRunOn === "vms",
        existingNetworkId: n.existingNetworkId,
        existingSubnetIds: n.existingSubnetIds ?? [],
        allowedCidrs: cidrs,
        allowedNamespaces: n.allowedNamespaces ?? [],
        allowedPodLabels: n.allowedPodLabels ?? {},
        allowedSecurityGroupIds: n.allowedSecurityGroupIds ?? [],
        allowedTags: n.allowedTags ?? [],
    };
}

function resolveCluster(name: string, cloud: Cloud, e: RawDatabaseEntry, fail: Report): ClusterSpec | undefined {
    const c = e.cluster ?? {};
    if (c.create && cloud === "local") {
        fail(["cluster", "create"], `is true, but cloud "local" cannot create a cluster; point cluster.kubeconfig or cluster.context at an existing one.`);
        return undefined;
    }
    if (c.create && (c.kubeconfig || c.context)) {
        fail(["cluster", "create"], `is true together with cluster.kubeconfig/context; either create a cluster or use an existing one.`);
        return undefined;
    }
    if (c.apiAllowedCidrs !== undefined && !(cloud === "gcp" && c.create)) {
        fail(["cluster", "apiAllowedCidrs"], `only applies to cloud "gcp" with cluster.create true (the GKE control plane's authorized networks).`);
        return undefined;
    }
    if (cloud === "gcp" && c.create && (c.apiAllowedCidrs ?? []).length === 0) {
        // GKE: without authorized networks the public endpoint answers 0.0.0.0/0; with them, only the listed ranges.
        fail(["cluster", "apiAllowedCidrs"], `is missing, but cluster.create on cloud "gcp" makes a GKE control plane that \`pulumi up\` must reach and that must not answer the whole internet; list the ranges you deploy and operate from, e.g. your CI runners' egress range (["203.0.113.0/24"]).`);
        return undefined;
    }
    let cidrsOk = true;
    (c.apiAllowedCidrs ?? []).forEach((cidr, i) => {
        const problem = cidrProblem(cidr);
        if (problem) {
            cidrsOk = false;
            fail(["cluster", "apiAllowedCidrs", String(i)], `is ${show(cidr)}: ${problem}.`);
        }
    });
    if (!cidrsOk) return undefined;
    const selectorLabels = c.prometheusSelectorLabels ?? {};
    if (!prometheusSelectorLabelsOk(selectorLabels, c.prometheusOperator ?? false, fail)) return undefined;
    return {
        configured: clusterConfigured(e),
        kubeconfig: c.kubeconfig,
        context: c.context,
        namespace: c.namespace ?? `db-${name}`,
        createNamespace: c.namespace === undefined,
        storageClass: c.storageClass,
        prometheusOperator: c.prometheusOperator ?? false,
        monitoringNamespace: c.monitoringNamespace ?? "monitoring",
        prometheusSelectorLabels: selectorLabels,
        create: c.create ?? false,
        apiAllowedCidrs: c.apiAllowedCidrs ?? [],
        runAsUser: c.runAsUser,
        runAsGroup: c.runAsGroup,
        requireSeparateNodes: c.requireSeparateNodes ?? false,
    };
}

/** Label keys the program sets on every object it creates; a selector label must not replace them. */
const PROGRAM_LABEL_KEYS = PROGRAM_LABEL_PREFIXES;

function prometheusSelectorLabelsOk(labels: Record<string, string>, operator: boolean, fail: Report): boolean {
    const at = (...rest: string[]) => ["cluster", "prometheusSelectorLabels", ...rest];
    if (Object.keys(labels).length > 0 && !operator) {
        fail(at(), `is ${show(labels)}, but only applies with cluster.prometheusOperator true (they label the ServiceMonitor and PrometheusRule, created only then).`);
        return false;
    }
    let ok = true;
    for (const [key, value] of Object.entries(labels)) {
        const problem = labelKeyProblem(key) ?? (PROGRAM_LABEL_KEYS.some((p) => key.startsWith(p))
            ? `the program sets the ${PROGRAM_LABEL_KEYS.map((p) => `${p}*`).join(" and ")} labels itself; use a key of your Prometheus's selectors (kube-prometheus-stack: release)`
            : undefined);
        if (problem) fail(at(key), `is a label key ${show(key)}: ${problem}.`);
        const valueProblem = problem ? undefined : labelValueProblem(value);
        if (valueProblem) fail(at(key), `is ${show(value)}: ${valueProblem}.`);
        if (problem || valueProblem) ok = false;
    }
    return ok;
}

function resolveBackup(e: RawDatabaseEntry, fail: Report): BackupSpec | undefined {
    const b = e.backup ?? {};
    const schedule = b.schedule ?? DEFAULT_BACKUP_SCHEDULE;
    const problem = cronProblem(schedule);
    if (problem) {
        fail(["backup", "schedule"], `is ${show(schedule)}, not a valid cron schedule: ${problem}.`);
        return undefined;
    }
    const destination = b.destination ?? "pvc";
    if (destination !== "pvc" && !/^(s3|gs):\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(destination)) {
        fail(["backup", "destination"], `is ${show(destination)}; allowed values: pvc, s3://<bucket>[/prefix], gs://<bucket>[/prefix].`);
        return undefined;
    }
    let identity: BackupIdentity | undefined;
    if (b.identity !== undefined) {
        if (destination.startsWith("s3://")) {
            if (!AWS_ROLE_ARN.test(b.identity)) {
                fail(["backup", "identity"], `is ${show(b.identity)}; with an s3:// destination it is the IAM role the dump uploads assume (IRSA), e.g. arn:aws:iam::123456789012:role/app-backups.`);
                return undefined;
            }
            identity = { kind: "aws-role", value: b.identity };
        } else if (destination.startsWith("gs://")) {
            if (!GCP_SERVICE_ACCOUNT.test(b.identity)) {
                fail(["backup", "identity"], `is ${show(b.identity)}; with a gs:// destination it is the Google service account the dump uploads act as (Workload Identity), e.g. app-backups@my-project.iam.gserviceaccount.com.`);
                return undefined;
            }
            identity = { kind: "gcp-service-account", value: b.identity };
        } else {
            fail(["backup", "identity"], `is ${show(b.identity)}, but backup.destination is "pvc"; an identity only applies to uploads to s3:// (an IAM role ARN) or gs:// (a Google service account).`);
            return undefined;
        }
    }
    return { schedule, destination: destination as BackupSpec["destination"], credentialsSecret: b.credentialsSecret, identity };
}

const AWS_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const GCP_SERVICE_ACCOUNT = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/;

/** What config/gcp-names.ts needs of a GCP spec (the stack name only changes scoped ids' hashes, never their length). */
export function gcpNamingInput(spec: DatabaseSpec, stack = "stack"): NamingInput {
    const bakedOnVms = spec.replicas.kind === "baked" && spec.placement !== "cluster" && !spec.cluster.configured;
    return {
        stack, database: spec.name, placement: spec.placement, replicaKind: spec.replicas.kind, replicaCount: spec.replicas.count,
        highAvailability: spec.highAvailability, bakedOnVms,
        createsBucket: !String(spec.backup.destination ?? "").startsWith("gs://"),
        createsGke: spec.cluster.create && (spec.placement === "cluster" || spec.replicas.kind === "baked"),
    };
}
