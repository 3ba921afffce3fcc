import { placementsTaking } from "../descriptors";
import { Engine, ENGINE_VERSIONS, Placement, ReplicaKind } from "./schema";

/**
 * AWS-only rules and defaults, kept out of validate.ts so the shared validator stays cloud-neutral.
 * Pure: provider config and environment are passed in. Checks that need the AWS API (availability
 * zones, existing subnets) run in the pre-flight of components/aws, still before any resource.
 */
export const AWS_PASSWORD_MODES = ["generated", "secretsManager"] as const;
export type AwsPasswordMode = (typeof AWS_PASSWORD_MODES)[number];

/** What the AWS placements need beyond the shared spec. */
export interface AwsSpec {
    readonly region: string;
    /**
     * managed: `generated` — a random password kept as a Pulumi secret (and in a Secrets Manager secret
     * for jobs inside the VPC); `secretsManager` — RDS generates, stores and rotates it.
     */
    readonly masterPassword: AwsPasswordMode;
    /** managed: run in RDS Extended Support (paid) past the major's end of standard support. */
    readonly extendedSupport: boolean;
    /** Where logical dumps go: a bucket the stack creates (`pvc`, the default) or an existing one. */
    readonly dumpBucket?: { bucket: string; prefix: string };
}

/** The `aws` config key as the raw schema parses it. */
export interface RawAwsOptions {
    /** managed: how the RDS master password is kept. Default: generated (random, a Pulumi secret). */
    masterPassword?: AwsPasswordMode;
    /** managed: allow a major past its RDS end of standard support (paid Extended Support). Default false. */
    extendedSupport?: boolean;
}

/**
 * RDS end of standard support per major, dated like ENGINE_VERSIONS (2026-11): a major listed here is
 * past it. Creating one with Extended Support disabled fails, and enabling it is billed per vCPU-hour.
 * Source: Amazon RDS User Guide, "Amazon RDS Extended Support" / release calendars for RDS for
 * PostgreSQL (13: 2026-02-28) and RDS for MySQL (8.0: 2026-07-31).
 */
export const RDS_PAST_STANDARD_SUPPORT: Record<Engine, Record<string, string>> = {
    postgres: { "13": "2026-02-28" },
    mysql: { "8.0": "2026-07-31" },
};

/** Where the AWS provider itself looks for a region, in its own order. */
const REGION_ENV = ["AWS_REGION", "AWS_DEFAULT_REGION"] as const;
const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

export function awsProvider(ambient: { config?: Readonly<Record<string, string>>; env?: Readonly<Record<string, string | undefined>> }): { region?: string; problems: string[] } {
    const region = ambient.config?.["aws:region"]?.trim() || REGION_ENV.map((v) => ambient.env?.[v]?.trim()).find(Boolean);
    if (!region) {
        return { problems: [`aws:region is not set, and cloud "aws" needs it; run \`pulumi config set aws:region <region>\`, e.g. eu-west-1 (or export ${REGION_ENV[0]}).`] };
    }
    if (!REGION_PATTERN.test(region)) {
        return { region, problems: [`aws:region is ${JSON.stringify(region)}, which is not a region; use a region such as eu-west-1 or us-east-2, not an availability zone.`] };
    }
    return { region, problems: [] };
}

/**
 * Engines and versions the VM placement installs: PostgreSQL from the PGDG apt repository (every
 * supported major, arm64 included), MySQL from Ubuntu 24.04's own archive, which ships 8.0 only.
 */
const VM_ENGINE_VERSIONS: Record<Engine, readonly string[] | "all"> = { postgres: "all", mysql: ["8.0"] };

/**
 * Resolves the `aws` key for one database and checks the AWS-only rules that config alone can decide.
 */
export function resolveAws(args: {
    region: string;
    placement: Placement;
    engine: Engine;
    engineVersion: string;
    highAvailability: boolean;
    backupRetentionDays: number;
    replicaKind: ReplicaKind;
    backupDestination?: string;
    backupSchedule?: string;
    existingNetworkId?: string;
    existingSubnetIds?: string[];
    allowedTags?: string[];
    raw: RawAwsOptions;
    fail: (path: string[], problem: string) => void;
}): AwsSpec | undefined {
    const { placement, engine, raw, fail } = args;
    let ok = true;
    const bad = (path: string[], problem: string) => {
        ok = false;
        fail(path, problem);
    };

    for (const k of Object.keys(raw) as (keyof RawAwsOptions)[]) {
        const placements = placementsTaking("aws", k);
        if (raw[k] !== undefined && !placements.includes(placement)) {
            bad(["aws", k], `only applies to placement ${placements.join(" or ")}; this database's placement is "${placement}".`);
        }
    }
    const endOfStandard = RDS_PAST_STANDARD_SUPPORT[engine][args.engineVersion];
    if (placement === "managed" && endOfStandard && raw.extendedSupport !== true) {
        bad(["engineVersion"], `is "${args.engineVersion}", whose RDS standard support ended on ${endOfStandard}; RDS would refuse to create it without paid Extended Support (Amazon RDS User Guide, "Amazon RDS Extended Support"). Use a newer major (${ENGINE_VERSIONS[engine].filter((v) => !RDS_PAST_STANDARD_SUPPORT[engine][v]).join(", ")}), or set aws.extendedSupport: true to pay for it.`);
    }
    const masterPassword = raw.masterPassword ?? "generated";
    if (placement === "managed" && masterPassword === "secretsManager" && args.replicaKind === "baked") {
        // The reader role's password is derived from the master password and baked into the image; a rotation would lock readers out.
        bad(["aws", "masterPassword"], `is "secretsManager", but baked replicas derive their reader password from the master password, which Secrets Manager rotates every 7 days; use aws.masterPassword generated with replicas.kind baked.`);
    }

    if (placement === "vm") {
        const versions = VM_ENGINE_VERSIONS[engine];
        if (versions !== "all" && !versions.includes(args.engineVersion)) {
            bad(["engineVersion"], `is "${args.engineVersion}", which placement "vm" on cloud "aws" cannot install for ${engine} (Ubuntu 24.04 ships ${versions.join(", ")}); allowed values: ${versions.join(", ")}, or use placement managed.`);
        }
        const minute = (args.backupSchedule ?? "").trim().split(/\s+/)[0] ?? "";
        if (args.backupRetentionDays > 0 && args.backupSchedule !== undefined && !args.backupSchedule.startsWith("@") && !/^\d{1,2}$/.test(minute)) {
            // DLM snapshot schedules run at most hourly; the dump and the snapshot share backup.schedule.
            bad(["backup", "schedule"], `is ${JSON.stringify(args.backupSchedule)}, more often than hourly, but placement "vm" on cloud "aws" snapshots its volume on this schedule and EBS snapshot policies run at most once an hour; use a single minute, e.g. "17 * * * *" or "17 3 * * *".`);
        }
        if (engine !== "postgres" && (args.highAvailability || args.replicaKind === "streaming")) {
            const key = args.highAvailability ? "highAvailability" : "replicas";
            bad([key, ...(key === "replicas" ? ["kind"] : [])], `${key === "replicas" ? 'is "streaming"' : "is true"}, but standby VMs on cloud "aws" replicate postgres only; engine "${engine}" needs placement managed for ${key === "replicas" ? "read replicas" : "high availability"}.`);
        }
    }
    if (placement === "managed" && args.replicaKind === "streaming" && args.backupRetentionDays < 1) {
        bad(["backupRetentionDays"], `is ${args.backupRetentionDays}, but RDS read replicas need automated backups on their source; allowed values with replicas.kind streaming: 1-35.`);
    }

    let dumpBucket: AwsSpec["dumpBucket"];
    const destination = args.backupDestination;
    if (destination !== undefined && destination !== "pvc") {
        if (placement === "managed") {
            bad(["backup", "destination"], `is ${JSON.stringify(destination)}, but placement "managed" keeps RDS automated backups itself; remove it (backup.schedule still sets the backup window).`);
        } else if (!destination.startsWith("s3://")) {
            bad(["backup", "destination"], `is ${JSON.stringify(destination)}, but cloud "aws" writes dumps to S3; allowed values: pvc (a bucket the stack creates), s3://<bucket>[/prefix].`);
        } else {
            const [bucket, ...prefix] = destination.slice("s3://".length).split("/");
            dumpBucket = { bucket, prefix: prefix.filter(Boolean).join("/") };
        }
    }

    const subnets = args.existingSubnetIds ?? [];
    if (subnets.length > 0 && args.existingNetworkId === undefined) {
        bad(["network", "existingNetworkId"], `is missing, but network.existingSubnetIds is set; give the VPC id (vpc-…) the subnets belong to.`);
    }
    if (args.existingNetworkId !== undefined) {
        if (!/^vpc-[0-9a-f]{8,17}$/.test(args.existingNetworkId)) {
            bad(["network", "existingNetworkId"], `is ${JSON.stringify(args.existingNetworkId)}, which is not a VPC id; write it like vpc-0a1b2c3d4e5f67890.`);
        }
        if (subnets.length < 2) {
            bad(["network", "existingSubnetIds"], `lists ${subnets.length} subnet(s), but a reused VPC needs at least 2 private subnets in different availability zones (RDS subnet groups and standbys span two).`);
        }
        subnets.forEach((s, i) => {
            if (!/^subnet-[0-9a-f]{8,17}$/.test(s)) bad(["network", "existingSubnetIds", String(i)], `is ${JSON.stringify(s)}, which is not a subnet id; write it like subnet-0a1b2c3d4e5f67890.`);
        });
    }
    if ((args.allowedTags ?? []).length > 0) {
        bad(["network", "allowedTags"], `only applies to cloud "gcp"; on cloud "aws" admit clients with network.allowedSecurityGroupIds or network.allowedCidrs.`);
    }
    if (!ok) return undefined;
    return { region: args.region, masterPassword, extendedSupport: raw.extendedSupport ?? false, ...(dumpBucket ? { dumpBucket } : {}) };
}
