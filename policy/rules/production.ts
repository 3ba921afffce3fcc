import { ResourceValidationArgs } from "@pulumi/policy";
import { KEYS } from "../conventions";
import { EnvironmentConfig, environmentConfigSchema, isProduction, productionReason } from "../environment";
import { belongsToDatabase, label, labelsOf, podTemplateOf } from "../resource";
import { DbplacePolicy } from "./types";

function production(args: ResourceValidationArgs): string | undefined {
    const view = { urn: args.urn, stackTags: args.stackTags, config: args.getConfig<EnvironmentConfig>() ?? {} };
    return isProduction(view) ? productionReason(view) : undefined;
}

/** Types whose deletion loses data: in production Pulumi must refuse to delete them (`protect`). */
const STATEFUL = new Set([
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "gcp:sql/databaseInstance:DatabaseInstance",
    "aws:ebs/volume:Volume",
    "gcp:compute/disk:Disk",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "docker:index/volume:Volume",
]);
/** Cloud databases: always stateful, whoever declares them. Volumes count when they belong to a database. */
const ALWAYS_DATABASE = new Set(["aws:rds/instance:Instance", "aws:rds/cluster:Cluster", "gcp:sql/databaseInstance:DatabaseInstance"]);

/**
 * Read replicas hold no data of their own: they are rebuilt from the primary, so they need neither
 * deletion protection nor backups. HA standbys are not replicas here — after a failover a standby is
 * the primary, and its disk is the data.
 */
const isReplica = (args: ResourceValidationArgs) =>
    Boolean(args.props.replicateSourceDb) || Boolean(args.props.masterInstanceName) || Boolean(args.props.replicationSourceIdentifier) ||
    /(^|-)replica(-|$)/.test(label(labelsOf(args.props), KEYS.role) ?? "");

/**
 * Production databases survive a bad `pulumi up`: the provider's own deletion guard is on, and Pulumi
 * protects stateful resources (dbplace's `deletionProtection`, default true, sets both).
 */
export const productionDeletionProtection: DbplacePolicy = {
    name: "dbplace-production-deletion-protection",
    description: "On production stacks, databases and their storage must have deletion protection (provider flag and Pulumi protect).",
    severity: "critical",
    configSchema: environmentConfigSchema,
    remediationSteps: "Set dbplace config deletionProtection: true (the default) for the stack or database.",
    validateResource: (args, report) => {
        const why = production(args);
        if (!why) return;
        const p = args.props;
        const owned = belongsToDatabase(args);
        const stateful = STATEFUL.has(args.type) && (ALWAYS_DATABASE.has(args.type) || owned) && !isReplica(args);
        if (stateful && !args.opts.protect) {
            report(`${args.name}: ${args.type} is not protected, so a config change could delete it (${why}); set deletionProtection: true.`);
        }
        switch (args.type) {
            case "aws:rds/instance:Instance":
            case "aws:rds/cluster:Cluster":
                if (!isReplica(args) && p.deletionProtection !== true) {
                    report(`${args.name}: deletionProtection is ${p.deletionProtection ?? "not set"} (${why}); set it to true.`);
                }
                return;
            case "gcp:sql/databaseInstance:DatabaseInstance":
                if (isReplica(args)) return;
                if (p.deletionProtection === false) {
                    report(`${args.name}: deletionProtection is false (${why}); remove it or set it to true.`);
                }
                if (p.settings?.deletionProtectionEnabled !== true) {
                    report(`${args.name}: settings.deletionProtectionEnabled is ${p.settings?.deletionProtectionEnabled ?? "not set"}, so the instance can be deleted outside Pulumi (${why}); set it to true.`);
                }
                return;
            case "aws:ec2/instance:Instance":
                if (owned && !isReplica(args) && p.disableApiTermination !== true) {
                    report(`${args.name}: disableApiTermination is ${p.disableApiTermination ?? "not set"} on a database VM (${why}); set it to true.`);
                }
                return;
            case "gcp:compute/instance:Instance":
                if (owned && !isReplica(args) && p.deletionProtection !== true) {
                    report(`${args.name}: deletionProtection is ${p.deletionProtection ?? "not set"} on a database VM (${why}); set it to true.`);
                }
                return;
            case "kubernetes:apps/v1:StatefulSet":
                if (owned && p.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete") {
                    report(`${args.name}: persistentVolumeClaimRetentionPolicy.whenDeleted is Delete, so deleting the StatefulSet deletes its data (${why}); use Retain.`);
                }
                return;
        }
    },
};

export interface BackupConfig extends EnvironmentConfig {
    /** Fewest days of backups a production database may keep. Default 7. */
    minimumDays?: number;
}
export const DEFAULT_MINIMUM_BACKUP_DAYS = 7;
/** Cloud SQL keeps 7 backups when retainedBackups is unset. */
const CLOUD_SQL_DEFAULT_RETAINED = 7;

/** Production databases can be restored to any day of the last week (configurable). */
export const productionBackupRetention: DbplacePolicy = {
    name: "dbplace-production-backup-retention",
    description: `On production stacks, databases must keep at least ${DEFAULT_MINIMUM_BACKUP_DAYS} days of backups (policy config minimumDays).`,
    severity: "high",
    configSchema: {
        properties: {
            ...environmentConfigSchema.properties,
            minimumDays: { type: "integer", minimum: 1, default: DEFAULT_MINIMUM_BACKUP_DAYS, description: "Fewest days of backups a production database may keep." },
        },
    },
    remediationSteps: "Set dbplace config backupRetentionDays to at least the minimum for the stack or database.",
    validateResource: (args, report) => {
        const why = production(args);
        if (!why || isReplica(args)) return;
        const min = args.getConfig<BackupConfig>()?.minimumDays ?? DEFAULT_MINIMUM_BACKUP_DAYS;
        const p = args.props;
        const tooFew = (what: string, days: unknown, note = "") =>
            report(`${args.name}: ${what} is ${days ?? "not set"}${note}, below the ${min} days production requires (${why}); set backupRetentionDays to at least ${min}.`);
        switch (args.type) {
            case "aws:rds/instance:Instance":
            case "aws:rds/cluster:Cluster":
                if (typeof p.backupRetentionPeriod !== "number" || p.backupRetentionPeriod < min) {
                    tooFew("backupRetentionPeriod", p.backupRetentionPeriod, p.backupRetentionPeriod === undefined ? " (RDS then keeps 1 day)" : "");
                }
                return;
            case "gcp:sql/databaseInstance:DatabaseInstance": {
                const backup = p.settings?.backupConfiguration ?? {};
                if (backup.enabled !== true) {
                    report(`${args.name}: settings.backupConfiguration.enabled is ${backup.enabled ?? "not set"}, so Cloud SQL takes no automated backups (${why}); enable backups.`);
                    return;
                }
                const retention = backup.backupRetentionSettings ?? {};
                if (retention.retentionUnit !== undefined && retention.retentionUnit !== "COUNT") {
                    report(`${args.name}: backupRetentionSettings.retentionUnit is ${retention.retentionUnit}; this policy reads COUNT (one backup a day).`);
                    return;
                }
                const kept = retention.retainedBackups ?? CLOUD_SQL_DEFAULT_RETAINED;
                if (kept < min) tooFew("backupRetentionSettings.retainedBackups", kept);
                return;
            }
        }
        // Self-hosted placements (cluster, vm) declare their dump retention on the backup job or VM.
        if (!belongsToDatabase(args)) return;
        const declared = label(labelsOf(p), KEYS.backupRetention) ?? label(podTemplateOf(p)?.annotations ?? {}, KEYS.backupRetention);
        if (declared !== undefined && !(Number(declared) >= min)) tooFew(KEYS.backupRetention, declared);
    },
};
