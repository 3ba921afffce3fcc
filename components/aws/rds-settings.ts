import { Engine } from "../config/schema";
import { InstancePreset } from "../config/presets";

/** RDS parameter group family from engine and major version (postgres17, mysql8.4). */
export function parameterFamily(engine: Engine, version: string): string {
    return engine === "postgres" ? `postgres${version}` : `mysql${version}`;
}

export interface RdsParameter {
    name: string;
    value: string;
    applyMethod: "immediate" | "pending-reboot";
}

/**
 * Parameters every dbplace RDS instance gets: TLS required, slow statements logged, and
 * max_connections pinned to the preset so the connections alarm measures against the real ceiling.
 */
export function rdsParameters(engine: Engine, preset: InstancePreset): RdsParameter[] {
    const maxConnections = { name: "max_connections", value: String(preset.maxConnections), applyMethod: "pending-reboot" as const };
    return engine === "postgres"
        ? [
            { name: "rds.force_ssl", value: "1", applyMethod: "immediate" },
            { name: "log_min_duration_statement", value: "1000", applyMethod: "immediate" },
            { name: "shared_preload_libraries", value: "pg_stat_statements", applyMethod: "pending-reboot" },
            maxConnections,
        ]
        : [
            { name: "require_secure_transport", value: "1", applyMethod: "immediate" },
            { name: "slow_query_log", value: "1", applyMethod: "immediate" },
            { name: "long_query_time", value: "1", applyMethod: "immediate" },
            maxConnections,
        ];
}

/** Engine logs exported to CloudWatch Logs. */
export const RDS_LOG_EXPORTS: Record<Engine, string[]> = {
    postgres: ["postgresql", "upgrade"],
    mysql: ["error", "slowquery"],
};

/** Connection URI parameters that make clients use TLS (the parameter groups refuse anything else). */
export const TLS_PARAMS: Record<Engine, string> = { postgres: "?sslmode=require", mysql: "?ssl-mode=REQUIRED" };

const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/**
 * RDS backup and maintenance windows from `backup.schedule`: a daily `M H * * *` schedule starts the
 * 30-minute backup window at H:M; anything else keeps 03:00. Maintenance follows two hours after
 * the backup window on Sunday (Monday when that crosses midnight), so the two never overlap.
 */
export function rdsWindows(schedule: string): { backupWindow: string; maintenanceWindow: string } {
    const m = /^(\d{1,2})\s+(\d{1,2})\s+\*\s+\*\s+\*$/.exec(schedule.trim());
    const start = m ? Number(m[2]) * 60 + Number(m[1]) : 3 * 60;
    const maintenance = start + 30 + 120;
    const day = DAYS[Math.floor(maintenance / 1440) % 7];
    const endDay = DAYS[Math.floor((maintenance + 60) / 1440) % 7];
    return {
        backupWindow: `${hhmm(start)}-${hhmm(start + 30)}`,
        maintenanceWindow: `${day}:${hhmm(maintenance % 1440)}-${endDay}:${hhmm((maintenance + 60) % 1440)}`,
    };
}

/**
 * Identifier-safe final snapshot name (letters, digits, single dashes, starting with a letter, ≤ 255).
 * `unique` (a per-instance random id) keeps a re-created stack's second delete from colliding with the
 * first one's snapshot: RDS refuses a final snapshot whose identifier exists (DBSnapshotAlreadyExists).
 */
export function finalSnapshotName(stack: string, database: string, unique?: string): string {
    const tail = unique ? `-${unique}` : "";
    const s = `dbplace-${stack}-${database}-final`.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/-+/g, "-");
    return `${s.slice(0, 255 - tail.length).replace(/-$/, "")}${tail}`;
}

/**
 * RDS enrols every instance in paid Extended Support unless told otherwise; "disabled" makes creating a
 * major past its end of standard support fail instead, which validation reports first (config/aws.ts).
 * Source: RDS API CreateDBInstance, EngineLifecycleSupport.
 */
export function engineLifecycleSupport(extendedSupport: boolean): string {
    return extendedSupport ? "open-source-rds-extended-support" : "open-source-rds-extended-support-disabled";
}
