import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Engine } from "../config/schema";
import { DatabaseSpec } from "../config/validate";
import { statefulOptions } from "../contract";
import { DECLARED } from "../declarations";
import { meta, objectLabels, objectNames } from "./labels";
import { containerPreset, containerSecurityContext, ImageUser, podSecurityContext } from "./pod";
import { SECRET_KEYS } from "./server";

/** rclone for object-store destinations; pinned so a dump upload never changes behaviour under us. */
export const RCLONE_IMAGE = "rclone/rclone:1.71.0";
const DUMPS = "/dumps";
const CA_DIR = "/etc/dbplace/ca";
/** The stable name the bake loop reads: always the newest complete dump. */
export const LATEST_DUMP = "latest.dump";

/**
 * The logical dump per engine, written to "$TMP": custom format for postgres (what the bake path
 * restores). The engine profile's dumpCommand assumes an ambient client config; a Job has none.
 */
const DUMP: Record<Engine, { command: string; passwordEnv: string; ready: string }> = {
    postgres: { ready: 'pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2', command: 'pg_dump -Fc --no-owner -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -f "$TMP"', passwordEnv: "PGPASSWORD" },
    mysql: { ready: 'mysqladmin ping --silent -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" --connect-timeout=2', command: 'mysqldump --single-transaction --routines --no-tablespaces -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" "$DB_NAME" > "$TMP"', passwordEnv: "MYSQL_PWD" },
};

/**
 * Dump to a temporary name, publish it atomically (rename), hard-link it as latest.dump (rename again,
 * so a reader never sees a half-written latest), then drop timestamped dumps older than the retention.
 * With retention 0 every timestamped name goes and only latest.dump stays.
 */
export function dumpScript(engine: Engine, retentionDays: number, dir = DUMPS): string {
    return [
        "set -eu",
        // A new pod's NetworkPolicy allowance is programmed a moment after it starts (kube-router, Calico,
        // Cilium alike): wait for the server rather than fail the Job on its first packet.
        `i=0; until ${DUMP[engine].ready}; do i=$((i + 1)); [ "$i" -lt 30 ] || { echo "database $DB_HOST:$DB_PORT not reachable after 30 tries" >&2; exit 1; }; sleep 1; done`,
        "stamp=$(date -u +%Y%m%dT%H%M%SZ)",
        `TMP="${dir}/.$DB_NAME-$stamp.partial"`,
        `trap 'rm -f "$TMP"' EXIT`,
        DUMP[engine].command,
        `out="${dir}/$DB_NAME-$stamp.dump"`,
        'mv "$TMP" "$out"',
        `ln -f "$out" "${dir}/.${LATEST_DUMP}.tmp"`,
        `mv -f "${dir}/.${LATEST_DUMP}.tmp" "${dir}/${LATEST_DUMP}"`,
        "now=$(date +%s)",
        `for f in "${dir}/$DB_NAME"-*.dump; do`,
        '  [ -e "$f" ] || continue',
        `  if [ $((now - $(stat -c %Y "$f"))) -ge ${retentionDays * 86400} ]; then rm -f "$f"; fi`,
        "done",
        'echo "dumped $out"',
    ].join("\n");
}

/**
 * Where a database's dumps go in an object store: `<destination>/<stack>/<database>/`. The destination
 * is stack-wide, so without both names several databases (or stacks) would share one latest.dump and
 * a re-bake could bake another database's data.
 */
export function remoteDumpDir(destination: string, stack: string, database: string): string {
    return `${destination.replace(/\/+$/, "")}/${stack}/${database}`;
}

/** Copies the dumps to `remoteDir` (`s3://…` / `gs://…`, see {@link remoteDumpDir}) and applies the same retention there. */
export function uploadScript(remoteDir: string, retentionDays: number, dir = DUMPS): string {
    const remote = `dest:${remoteDir.replace(/^(s3|gs):\/\//, "")}`;
    return [
        "set -eu",
        `rclone copy ${dir} "${remote}" --include "$DB_NAME-*.dump" --include "${LATEST_DUMP}"`,
        `rclone delete "${remote}" --include "$DB_NAME-*.dump"${retentionDays > 0 ? ` --min-age ${retentionDays}d` : ""}`,
    ].join("\n");
}

export interface DumpArgs {
    /** Resolved spec: engine, backup schedule, destination and retention. */
    readonly spec: DatabaseSpec;
    /** Namespace of the claim and the CronJob (the database's). */
    readonly namespace: pulumi.Input<string>;
    /** Credentials Secret of the database. */
    readonly secret: pulumi.Input<string>;
    /** Service name of the primary. */
    readonly host: pulumi.Input<string>;
    /** Port of the primary's engine. */
    readonly port: number;
    /** User the dump pod runs as (the engine image's postgres/mysql user). */
    readonly user: ImageUser;
    /** The dump Job's ServiceAccount (with the cloud identity for object-store uploads). */
    readonly serviceAccountName?: pulumi.Input<string>;
}

/** The `${name}-dumps` claim (protected like the data) and the CronJob that fills it on backup.schedule. */
export function dumpResources(name: string, a: DumpArgs, opts: pulumi.CustomResourceOptions): { claim: k8s.core.v1.PersistentVolumeClaim; cronJob: k8s.batch.v1.CronJob } {
    const { spec } = a;
    const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-dumps`, {
        metadata: {
            ...meta(spec, a.namespace, objectNames(spec).dumps, "dump"),
            // Bound only when the first Job mounts it (WaitForFirstConsumer classes); do not block the update on that.
            annotations: { "pulumi.com/skipAwait": "true" },
        },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: spec.cluster.storageClass,
            resources: { requests: { storage: containerPreset(spec).storage } },
        },
    }, statefulOptions(spec, opts));

    const objectStore = spec.backup.destination !== "pvc";
    const env = [
        { name: "DB_HOST", value: a.host },
        { name: "DB_PORT", value: String(a.port) },
        { name: "DB_NAME", value: spec.databaseName },
        { name: "DB_USER", valueFrom: { secretKeyRef: { name: a.secret, key: SECRET_KEYS.username } } },
        { name: DUMP[spec.engine].passwordEnv, valueFrom: { secretKeyRef: { name: a.secret, key: SECRET_KEYS.password } } },
    ];
    const mounts = [{ name: "dumps", mountPath: DUMPS }];
    // postgres serves TLS only: the dump verifies the primary's certificate against the CA in the credentials Secret.
    const verify = spec.engine === "postgres";
    const dump = {
        name: "dump",
        image: spec.image,
        command: ["sh", "-c", dumpScript(spec.engine, spec.backupRetentionDays)],
        env: verify ? [...env, { name: "PGSSLMODE", value: "verify-full" }, { name: "PGSSLROOTCERT", value: `${CA_DIR}/${SECRET_KEYS.caCert}` }] : env,
        volumeMounts: verify ? [...mounts, { name: "ca", mountPath: CA_DIR, readOnly: true }] : mounts,
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
        securityContext: containerSecurityContext,
    };
    const upload = objectStore ? {
        name: "upload",
        image: RCLONE_IMAGE,
        command: ["sh", "-c", uploadScript(remoteDumpDir(spec.backup.destination, pulumi.getStack(), spec.name), spec.backupRetentionDays)],
        env: [
            { name: "DB_NAME", value: spec.databaseName },
            { name: "HOME", value: "/tmp" },
            { name: "RCLONE_CONFIG_DEST_TYPE", value: spec.backup.destination.startsWith("s3://") ? "s3" : "google cloud storage" },
            ...(spec.backup.destination.startsWith("s3://") ? [{ name: "RCLONE_CONFIG_DEST_PROVIDER", value: "AWS" }] : []),
            // Workload identity / IRSA when no Secret is given; the Secret's keys (e.g. AWS_ACCESS_KEY_ID) otherwise.
            { name: "RCLONE_CONFIG_DEST_ENV_AUTH", value: "true" },
        ],
        envFrom: spec.backup.credentialsSecret ? [{ secretRef: { name: spec.backup.credentialsSecret } }] : undefined,
        volumeMounts: mounts.map((m) => ({ ...m, readOnly: true })),
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "256Mi" } },
        securityContext: containerSecurityContext,
    } : undefined;

    const cronJob = new k8s.batch.v1.CronJob(`${name}-dump`, {
        metadata: {
            ...meta(spec, a.namespace, objectNames(spec).dumpJob, "dump"),
            // The retention lives in the scripts; declared here too, where the policy pack and `kubectl describe` read it.
            annotations: { [DECLARED.backupRetention]: String(spec.backupRetentionDays) },
        },
        spec: {
            schedule: spec.backup.schedule,
            timeZone: "Etc/UTC",
            // Two dumps racing on one claim would only slow the primary down twice.
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 3600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                spec: {
                    backoffLimit: 2,
                    template: {
                        metadata: { labels: objectLabels(spec, "dump") },
                        spec: {
                            restartPolicy: "Never",
                            serviceAccountName: a.serviceAccountName,
                            // IRSA and Workload Identity bring their own credentials; the API token is never needed.
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: podSecurityContext(a.user),
                            // The upload runs only after a complete dump: init containers run to success in order.
                            initContainers: upload ? [dump] : undefined,
                            containers: [upload ?? dump],
                            volumes: [
                                { name: "dumps", persistentVolumeClaim: { claimName: claim.metadata.name } },
                                ...(verify ? [{ name: "ca", secret: { secretName: a.secret, items: [{ key: SECRET_KEYS.caCert, path: SECRET_KEYS.caCert }], defaultMode: 0o444 } }] : []),
                            ],
                        },
                    },
                },
            },
        },
    }, opts);
    return { claim, cronJob };
}
