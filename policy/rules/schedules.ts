import { cronProblem } from "../../components/config/cron";
import { DbplacePolicy } from "./types";

/** Scheduled work the program (or anyone) declares: Kubernetes CronJobs (dumps, re-bakes). */
const CRONJOBS = new Set(["kubernetes:batch/v1:CronJob", "kubernetes:batch/v1beta1:CronJob"]);

/**
 * A dump or re-bake schedule that can never run (`0 3 31 2 *`) is accepted by the API server and then
 * silently produces no backup. Same check as the config validator (components/config/cron.ts).
 */
export const schedulesThatFire: DbplacePolicy = {
    name: "dbplace-schedules-fire",
    description: "Backup and re-bake schedules must be valid cron expressions that fire at least once a year.",
    severity: "high",
    remediationSteps: "Fix backup.schedule / replicas.schedule, e.g. \"17 3 * * *\" (daily at 03:17 UTC).",
    validateResource: (args, report) => {
        if (!CRONJOBS.has(args.type)) return;
        const schedule = (args.props as { spec?: { schedule?: unknown } }).spec?.schedule;
        if (typeof schedule !== "string") return;
        const problem = cronProblem(schedule);
        if (problem) report(`CronJob schedule ${JSON.stringify(schedule)} is not usable: ${problem}.`);
    },
};
