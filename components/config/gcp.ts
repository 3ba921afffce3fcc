import { CLOUD_SQL_MIN_RETAINED_WITH_PITR, cloudSqlLogRetention } from "./gcp-rules";
import { placementsTaking } from "../descriptors";
import { INSTANCE_PRESETS } from "./presets";
import { Engine, Placement, Size } from "./schema";

/**
 * GCP-only rules and defaults, kept out of validate.ts so the shared validator stays cloud-neutral.
 * Pure: the provider config and environment are passed in, so tests need neither Pulumi nor a project.
 */
export const CLOUD_SQL_EDITIONS = ["ENTERPRISE", "ENTERPRISE_PLUS"] as const;
export type CloudSqlEdition = (typeof CLOUD_SQL_EDITIONS)[number];

/** What the GCP placements need beyond the shared spec. */
export interface GcpSpec {
    readonly project: string;
    readonly region: string;
    /** Cloud SQL tier (managed). */
    readonly tier: string;
    readonly edition: CloudSqlEdition;
    /** Compute Engine machine type of the primary VM (vm) or GKE nodes (cluster with create). */
    readonly machineType: string;
    /** Machine type of the VMs that run baked replicas when no cluster is configured. */
    readonly replicaMachineType: string;
    /** Days of Cloud SQL transaction logs (PITR window): the retention, capped by what the edition allows. */
    readonly transactionLogRetentionDays: number;
}

/** The `gcp` config key as the raw schema parses it. */
export interface RawGcpOptions {
    /** managed: Cloud SQL tier. Default: the size preset's. */
    tier?: string;
    /** managed: Cloud SQL edition. Default: ENTERPRISE_PLUS for db-perf-optimized tiers, else ENTERPRISE. */
    edition?: CloudSqlEdition;
    /** vm: machine type of the database VMs; cluster with create: of the GKE nodes. Default: the size preset's / e2-standard-4. */
    machineType?: string;
}

/** Where the Google provider itself looks, in its own order, so a stack that deploys also validates. */
const PROJECT_ENV = ["GOOGLE_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"] as const;
const REGION_ENV = ["GOOGLE_REGION", "GCLOUD_REGION", "CLOUDSDK_COMPUTE_REGION"] as const;

/** Provider config (`gcp:*` keys) and environment; what `resolveStack` calls "ambient". */
export interface Ambient {
    readonly config?: Readonly<Record<string, string>>;
    readonly env?: Readonly<Record<string, string | undefined>>;
}

export function gcpProvider(ambient: Ambient): { project?: string; region?: string; problems: string[] } {
    const config = ambient.config ?? {};
    const env = ambient.env ?? {};
    const pick = (key: string, vars: readonly string[]) => config[key]?.trim() || vars.map((v) => env[v]?.trim()).find(Boolean);
    const project = pick("gcp:project", PROJECT_ENV);
    const region = pick("gcp:region", REGION_ENV);
    const problems: string[] = [];
    if (!project) {
        problems.push(`gcp:project is not set, and cloud "gcp" needs it; run \`pulumi config set gcp:project <project-id>\` (or export ${PROJECT_ENV[0]}).`);
    } else if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project) && !/^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project)) {
        problems.push(`gcp:project is ${JSON.stringify(project)}, which is not a project id; use 6-30 lower-case letters, digits and dashes, starting with a letter.`);
    }
    if (!region) {
        problems.push(`gcp:region is not set, and cloud "gcp" needs it (subnet, Cloud SQL, instance groups are regional); run \`pulumi config set gcp:region <region>\`, e.g. europe-west1 (or export ${REGION_ENV[0]}).`);
    } else if (!/^[a-z]+-[a-z]+\d+$/.test(region)) {
        problems.push(`gcp:region is ${JSON.stringify(region)}, which is not a region; use a region such as europe-west1 or us-central1, not a zone.`);
    }
    return { project, region, problems };
}

/** Shared-core tiers: no dedicated CPU, so Cloud SQL gives them no SLA even when REGIONAL. */
const SHARED_CORE_TIERS = ["db-f1-micro", "db-g1-small"];
/** Legacy predefined tiers that Cloud SQL offers for MySQL only. */
const MYSQL_ONLY_TIER = /^db-n1-(standard|highmem)-(1|2|4|8|16|32|64|96)$/;
const CUSTOM_TIER = /^db-custom-(\d+)-(\d+)$/;
const PERF_OPTIMIZED_TIER = /^db-perf-optimized-N-(2|4|8|16|32|48|64|80|96|128)$/;

/**
 * Why a Cloud SQL tier cannot run this engine + edition, or undefined. Encodes the documented rules:
 * custom and shared-core tiers are Enterprise-only, db-perf-optimized tiers are Enterprise Plus-only,
 * PostgreSQL takes no predefined db-n1 tiers, custom shapes need 1 or an even number of vCPUs (≤ 96),
 * 0.9–6.5 GB per vCPU and whole 256 MB steps.
 */
export function tierProblem(tier: string, engine: Engine, edition: CloudSqlEdition): string | undefined {
    const custom = CUSTOM_TIER.exec(tier);
    const sharedCore = SHARED_CORE_TIERS.includes(tier);
    if (PERF_OPTIMIZED_TIER.test(tier)) {
        return edition === "ENTERPRISE_PLUS" ? undefined : `db-perf-optimized tiers need gcp.edition ENTERPRISE_PLUS, not ${edition}`;
    }
    if (MYSQL_ONLY_TIER.test(tier)) {
        if (engine !== "mysql") return `predefined db-n1 tiers exist for mysql only; ${engine} takes db-custom-<vCPUs>-<MB>, db-perf-optimized-N-<vCPUs> or a shared-core tier`;
        return edition === "ENTERPRISE" ? undefined : `db-n1 tiers need gcp.edition ENTERPRISE`;
    }
    if (sharedCore) return edition === "ENTERPRISE" ? undefined : `shared-core tiers need gcp.edition ENTERPRISE`;
    if (!custom) {
        return `it is not a Cloud SQL tier for ${engine}; allowed forms: db-custom-<vCPUs>-<MB>, db-perf-optimized-N-<vCPUs>, ${SHARED_CORE_TIERS.join(", ")}${engine === "mysql" ? ", db-n1-standard-<vCPUs>, db-n1-highmem-<vCPUs>" : ""}`;
    }
    if (edition !== "ENTERPRISE") return `custom tiers need gcp.edition ENTERPRISE; Enterprise Plus takes db-perf-optimized-N-<vCPUs>`;
    const cpus = Number(custom[1]);
    const mb = Number(custom[2]);
    if (cpus < 1 || cpus > 96 || (cpus > 1 && cpus % 2 === 1)) return `${cpus} vCPUs is not a custom shape; use 1 or an even number up to 96`;
    if (mb % 256 !== 0) return `${mb} MB is not a multiple of 256 MB`;
    if (mb < 3840) return `${mb} MB is below the 3840 MB minimum of custom tiers`;
    if (mb < cpus * 921.6 || mb > cpus * 6656) return `${mb} MB for ${cpus} vCPUs is outside 0.9-6.5 GB per vCPU (${Math.ceil((cpus * 921.6) / 256) * 256}-${cpus * 6656} MB)`;
    return undefined;
}

/**
 * Resolves the `gcp` key for one database and checks the GCP-only rules: tier against engine and
 * edition, REGIONAL on a configuration Cloud SQL cannot fail over or will not cover, retention the
 * backup services accept, and the backup destination GCP can write to.
 */
export function resolveGcp(args: {
    project: string;
    region: string;
    placement: Placement;
    engine: Engine;
    size: Size;
    highAvailability: boolean;
    backupRetentionDays: number;
    backupDestination?: string;
    clusterCreate: boolean;
    /** Baked replicas will run on VMs the stack creates (no cluster configured). */
    bakedOnVms: boolean;
    existingNetworkId?: string;
    existingSubnetIds: readonly string[];
    raw: RawGcpOptions;
    fail: (path: string[], problem: string) => void;
}): GcpSpec | undefined {
    const { raw, placement, engine, fail } = args;
    let ok = true;
    const bad = (path: string[], problem: string) => {
        ok = false;
        fail(path, problem);
    };
    for (const k of Object.keys(raw) as (keyof RawGcpOptions)[]) {
        const placements = placementsTaking("gcp", k);
        if (raw[k] !== undefined && !placements.includes(placement)) {
            bad(["gcp", k], `only applies to placement ${placements.join(" or ")}; this database's placement is "${placement}".`);
        }
    }
    if (raw.machineType !== undefined && placement === "cluster" && !args.clusterCreate) {
        bad(["gcp", "machineType"], `sizes GKE nodes, which only exist with cluster.create true; an existing cluster keeps its own nodes.`);
    }
    const managedPresets = INSTANCE_PRESETS["gcp:managed"]!;
    const vmPresets = INSTANCE_PRESETS["gcp:vm"]!;
    const tier = raw.tier ?? managedPresets[args.size].instanceType;
    const edition: CloudSqlEdition = raw.edition ?? (PERF_OPTIMIZED_TIER.test(tier) ? "ENTERPRISE_PLUS" : "ENTERPRISE");
    if (placement === "managed") {
        const problem = tierProblem(tier, engine, edition);
        if (problem) {
            const where = raw.tier !== undefined ? ["gcp", "tier"] : ["gcp", "edition"];
            bad(where, `is ${JSON.stringify(raw.tier !== undefined ? tier : edition)}: ${problem}.`);
        }
        if (args.highAvailability && SHARED_CORE_TIERS.includes(tier)) {
            bad(["highAvailability"], `is true with shared-core tier "${tier}": Cloud SQL gives shared-core instances no SLA, so a REGIONAL standby buys nothing; use a db-custom-* tier (e.g. size medium) or set highAvailability false.`);
        }
    }
    // VMs, GKE nodes and load balancers need a subnet; guessing one in someone else's network is not our call.
    const needsSubnet = placement === "vm" || args.clusterCreate || args.bakedOnVms;
    if (args.existingNetworkId !== undefined && needsSubnet && args.existingSubnetIds.length === 0) {
        bad(["network", "existingSubnetIds"], `is missing, but network.existingNetworkId is set and placement "${placement}" puts ${placement === "vm" ? "VMs" : args.clusterCreate ? "GKE nodes" : "baked-replica VMs"} in it; name the subnetwork in region ${args.region || "gcp:region"} (e.g. projects/<project>/regions/<region>/subnetworks/<name>).`);
    }
    if (args.existingNetworkId === undefined && args.existingSubnetIds.length > 0) {
        bad(["network", "existingSubnetIds"], `is set without network.existingNetworkId; give the network the subnetworks belong to, or remove existingSubnetIds to create both.`);
    }
    if (placement === "cluster" && args.highAvailability && engine !== "postgres" && args.clusterCreate) {
        // Checked here as well as in the cluster placement: otherwise the GKE cluster would be created before it refuses.
        bad(["highAvailability"], `is true, but placement "cluster" builds its standby with postgres streaming replication; engine "${engine}" needs placement managed for high availability, or set highAvailability to false.`);
    }
    if (placement === "managed" && args.backupRetentionDays === 1) {
        bad(["backupRetentionDays"], `is 1, but Cloud SQL point-in-time recovery keeps transaction logs for fewer days than it keeps backups, and at least 1 day (Cloud SQL Admin API, BackupConfiguration.transactionLogRetentionDays); allowed values on cloud "gcp" placement "managed": ${CLOUD_SQL_MIN_RETAINED_WITH_PITR}-35.`);
    }
    if ((placement === "managed" || placement === "vm") && args.backupRetentionDays < 1) {
        const what = placement === "managed"
            ? `Cloud SQL keeps at least one automated backup, and REGIONAL failover and point-in-time recovery need backups on`
            : `a snapshot schedule keeps at least one day of snapshots`;
        bad(["backupRetentionDays"], `is ${args.backupRetentionDays}, which is out of range on cloud "gcp" placement "${placement}" (${what}); allowed values: 1-35.`);
    }
    if (placement === "vm" && args.backupDestination?.startsWith("s3://")) {
        bad(["backup", "destination"], `is ${JSON.stringify(args.backupDestination)}, but VMs on cloud "gcp" write dumps to Cloud Storage; allowed values: pvc (a bucket the stack creates), gs://<bucket>[/prefix].`);
    }
    if (!ok) return undefined;
    return {
        project: args.project,
        region: args.region,
        tier,
        edition,
        machineType: raw.machineType ?? (placement === "cluster" ? "e2-standard-4" : vmPresets[args.size].instanceType),
        replicaMachineType: vmPresets[args.size].instanceType,
        // One day less than the backups kept (the API refuses equal), capped by the edition; vm/cluster never use it.
        transactionLogRetentionDays: cloudSqlLogRetention(args.backupRetentionDays, edition) ?? 1,
    };
}
