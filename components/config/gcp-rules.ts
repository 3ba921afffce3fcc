/**
 * Google Cloud API rules the program could otherwise break at `pulumi up`, as pure functions with the
 * source each one comes from. config/gcp.ts and the GCP placements call them, so a stack that would
 * break one fails in validation (or builds the value the rule allows) before any resource exists.
 */

/**
 * Cloud SQL: "backup retention should be > transaction log retention" — transactionLogRetentionDays
 * must be lower than retainedBackups, 1-7 days on Enterprise and 1-35 on Enterprise Plus.
 * Source: Cloud SQL Admin API, BackupConfiguration.transactionLogRetentionDays / BackupRetentionSettings;
 * Cloud SQL docs "Use point-in-time recovery" (log retention must be less than retained backups).
 */
export function cloudSqlLogRetention(retainedBackups: number, edition: "ENTERPRISE" | "ENTERPRISE_PLUS"): number | undefined {
    const cap = edition === "ENTERPRISE_PLUS" ? 35 : 7;
    const days = Math.min(retainedBackups - 1, cap);
    return days >= 1 ? days : undefined;
}

/**
 * Regional managed instance groups: a fixed maxSurge (and maxUnavailable) must be 0 or at least the
 * number of zones the group spans. Source: Compute Engine docs, "Automatically apply VM configuration
 * updates in a MIG" (regional MIGs: maxSurge/maxUnavailable fixed values); terraform-provider-google
 * google_compute_region_instance_group_manager update_policy.max_surge_fixed.
 */
export function regionalSurge(zoneCount: number, wanted = 1): number {
    return Math.max(wanted, zoneCount);
}

export interface RecurringWindow {
    /** Hours of each occurrence. */
    readonly hours: number;
    /** Occurrences per week (BYDAY count; 7 for FREQ=DAILY). */
    readonly perWeek: number;
}

/**
 * GKE maintenance windows must allow at least 48 hours of maintenance in any 32-day rolling window,
 * with occurrences of at least 4 consecutive hours. Source: GKE docs, "Maintenance windows and
 * exclusions" (window availability requirements); terraform-provider-google google_container_cluster
 * maintenance_policy.recurring_window.
 */
export function gkeMaintenanceProblem(w: RecurringWindow): string | undefined {
    if (w.hours < 4) return `each occurrence is ${w.hours} h; GKE needs at least 4 consecutive hours`;
    const worst = Math.floor((32 / 7) * w.perWeek) * w.hours;
    if (worst < 48) return `it allows ${worst} h in 32 days; GKE needs at least 48 h in any 32-day window`;
    return undefined;
}

/** What Cloud SQL keeps per edition: 1-365 automated backups (COUNT). Source: Cloud SQL Admin API, BackupRetentionSettings. */
export const CLOUD_SQL_MIN_RETAINED_WITH_PITR = 2;
