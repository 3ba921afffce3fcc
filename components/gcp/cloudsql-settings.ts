import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { InstancePreset } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { cronHour, gcpLabels, gcpOf } from "./naming";

type Settings = gcp.types.input.sql.DatabaseInstanceSettings;
type Flag = { name: string; value: string };

/** Maintenance in the quietest hour we can assume without knowing the users: Sunday 04:00 UTC. */
export const MAINTENANCE_WINDOW = { day: 7, hour: 4, updateTrack: "stable" } as const;

/**
 * Engine flags from size and engine. Only flags Cloud SQL lets users set, each with the reason: the
 * connection ceiling matches the preset the alerts use, and slow/lock/temp-file logging makes Query
 * Insights and Cloud Logging useful without extensions.
 */
export function databaseFlags(spec: DatabaseSpec): Flag[] {
    const preset = spec.preset as InstancePreset;
    const common = [{ name: "max_connections", value: String(preset.maxConnections) }];
    if (spec.engine === "postgres") {
        return [
            ...common,
            { name: "log_min_duration_statement", value: spec.size === "small" ? "1000" : "500" },
            { name: "log_lock_waits", value: "on" },
            { name: "log_temp_files", value: "0" },
            { name: "log_checkpoints", value: "on" },
        ];
    }
    return [
        ...common,
        { name: "slow_query_log", value: "on" },
        { name: "long_query_time", value: spec.size === "small" ? "1" : "0.5" },
        // FILE sends the slow log to Cloud Logging; TABLE would fill the instance's own disk.
        { name: "log_output", value: "FILE" },
    ];
}

/** The IP configuration every instance gets: private address on the database network, TLS enforced. */
export function privateIp(network: pulumi.Input<string>): gcp.types.input.sql.DatabaseInstanceSettingsIpConfiguration {
    return {
        ipv4Enabled: false,
        privateNetwork: network,
        // ENCRYPTED_ONLY: TLS required, client certificates optional (passwords stay the credential).
        sslMode: "ENCRYPTED_ONLY",
        enablePrivatePathForGoogleCloudServices: false,
    };
}

/** Settings of the primary: HA, backups with PITR, maintenance, Query Insights, flags, protection. */
export function primarySettings(spec: DatabaseSpec, network: pulumi.Input<string>): Settings {
    const g = gcpOf(spec);
    const preset = spec.preset as InstancePreset;
    const hour = cronHour(spec.backup.schedule);
    return {
        tier: g.tier,
        edition: g.edition,
        availabilityType: spec.highAvailability ? "REGIONAL" : "ZONAL",
        diskType: "PD_SSD",
        diskSize: preset.storageGb,
        diskAutoresize: true,
        diskAutoresizeLimit: preset.maxStorageGb,
        deletionProtectionEnabled: spec.deletionProtection,
        // Keep automated backups after an (intended) instance deletion, for as long as the retention says.
        retainBackupsOnDelete: spec.deletionProtection,
        ipConfiguration: privateIp(network),
        backupConfiguration: {
            enabled: true,
            startTime: `${String(hour).padStart(2, "0")}:00`,
            // PITR: PostgreSQL keeps WAL, MySQL needs binary logs; REGIONAL requires the same switch.
            pointInTimeRecoveryEnabled: spec.engine === "postgres" ? true : undefined,
            binaryLogEnabled: spec.engine === "mysql" ? true : undefined,
            transactionLogRetentionDays: g.transactionLogRetentionDays,
            backupRetentionSettings: { retainedBackups: spec.backupRetentionDays, retentionUnit: "COUNT" },
        },
        maintenanceWindow: { ...MAINTENANCE_WINDOW },
        insightsConfig: {
            queryInsightsEnabled: true,
            queryStringLength: 1024,
            recordApplicationTags: true,
            // Client addresses are personal data in some setups; the query shape is what matters.
            recordClientAddress: false,
        },
        databaseFlags: databaseFlags(spec),
        userLabels: gcpLabels(spec, "primary"),
    };
}

/** Settings of a read replica: same shape and flags (PostgreSQL refuses a replica with fewer connections), no backups. */
export function replicaSettings(spec: DatabaseSpec, network: pulumi.Input<string>): Settings {
    const g = gcpOf(spec);
    const preset = spec.preset as InstancePreset;
    return {
        tier: g.tier,
        edition: g.edition,
        availabilityType: "ZONAL",
        diskType: "PD_SSD",
        diskAutoresize: true,
        diskAutoresizeLimit: preset.maxStorageGb,
        ipConfiguration: privateIp(network),
        backupConfiguration: { enabled: false },
        maintenanceWindow: { ...MAINTENANCE_WINDOW },
        insightsConfig: { queryInsightsEnabled: true, queryStringLength: 1024, recordApplicationTags: true, recordClientAddress: false },
        databaseFlags: databaseFlags(spec),
        userLabels: gcpLabels(spec, "replica"),
    };
}
