import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_PROFILES } from "../config/engines";
import { Engine } from "../config/schema";
import { mebibytes } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { RUN_DIR, SECRET_FILES, SECRETS_DIR } from "../bake";
import { replicationConninfo, ROLES } from "../security/postgres";
import { objectLabels, selectorLabels } from "./labels";
import {
    containerPreset, containerSecurityContext, execProbe, exporterAuthVolume, exporterContainer, exporterQueriesVolume, ImageUser, LIVENESS, podSecurityContext, queryProbe, resources, shmVolume,
} from "./pod";
import { START, START_DIR } from "./security";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Keys of the credentials Secret every cluster database gets: the contract's role, never the superuser. */
export const SECRET_KEYS = { username: "username", password: "password", uri: "uri", caCert: "ca.crt" } as const;
export const REPLICATION_USER = ROLES.replication;
/** WAL the primary keeps for standbys that fall behind, before they must re-bootstrap. */
const WAL_KEEP_SIZE = "512MB";

const secretEnv = (name: string, secret: pulumi.Input<string>, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/**
 * Replication capacity of a postgres primary, from how many standbys it feeds (the HA standby and the
 * streaming replicas). Each `pg_basebackup -X stream` holds two WAL senders while it clones and a
 * standby one afterwards; each standby keeps a physical slot so the primary holds its WAL through an
 * outage, bounded by a quarter of the volume so a standby that never returns cannot fill the disk.
 * Hot standbys refuse to start with fewer senders than their primary, so both run these settings.
 */
export function replicationSettings(spec: DatabaseSpec): { maxWalSenders: number; maxReplicationSlots: number; maxSlotWalKeepSize: string } {
    const standbys = (spec.highAvailability ? 1 : 0) + (spec.replicas.kind === "streaming" ? spec.replicas.count : 0);
    return {
        maxWalSenders: Math.max(10, 2 * standbys + 2),
        maxReplicationSlots: Math.max(10, standbys + 2),
        maxSlotWalKeepSize: `${Math.floor(mebibytes(containerPreset(spec).storage) / 4)}MB`,
    };
}

/** Server flags every postgres of a database runs with, primary and standbys alike. */
export function postgresSettings(spec: DatabaseSpec): string[] {
    const r = replicationSettings(spec);
    return [
        `max_connections=${containerPreset(spec).maxConnections}`,
        `wal_keep_size=${WAL_KEEP_SIZE}`,
        `max_wal_senders=${r.maxWalSenders}`,
        `max_replication_slots=${r.maxReplicationSlots}`,
        `max_slot_wal_keep_size=${r.maxSlotWalKeepSize}`,
    ].flatMap((setting) => ["-c", setting]);
}

/** How each engine's official image is started: env, server flags, clean shutdown. */
const SERVER: Record<Engine, {
    env(spec: DatabaseSpec, secret: pulumi.Input<string>): EnvVar[];
    args(spec: DatabaseSpec): string[];
    preStop?: string[];
}> = {
    postgres: {
        // No password in the environment: dbplace-start reads every secret from the mounted Secret's files.
        env: (spec) => [
            // A subdirectory: a fresh volume's lost+found would make initdb refuse the mount point itself.
            { name: "PGDATA", value: `${ENGINE_PROFILES.postgres.dataMountPath}/pgdata` },
            { name: "POSTGRES_USER", value: ENGINE_PROFILES.postgres.username },
            { name: "POSTGRES_DB", value: spec.databaseName },
        ],
        // dbplace-start: TLS, pg_hba/pg_ident from the Secret, then the roles reconciled on every start.
        args: (spec) => [START, "master", ...postgresSettings(spec)],
        // Kubernetes stops with SIGTERM, which postgres treats as a "smart" shutdown that waits for every client.
        preStop: ["sh", "-c", 'pg_ctl -D "$PGDATA" -m fast -w stop'],
    },
    mysql: {
        env: (spec, secret) => [
            { name: "MYSQL_USER", value: ENGINE_PROFILES.mysql.username },
            { name: "MYSQL_DATABASE", value: spec.databaseName },
            secretEnv("MYSQL_PASSWORD", secret, SECRET_KEYS.password),
            // Nobody needs root over the network; the image refuses to initialise without some root password.
            { name: "MYSQL_RANDOM_ROOT_PASSWORD", value: "yes" },
        ],
        args: (spec) => ["mysqld", `--datadir=${ENGINE_PROFILES.mysql.dataMountPath}/data`, `--max-connections=${containerPreset(spec).maxConnections}`],
    },
};

/** The primary's start command (what the image runs with no script). */
export function primaryArgs(spec: DatabaseSpec): string[] {
    return SERVER[spec.engine].args(spec);
}

/**
 * A hot standby's start: its certificate, pg_hba and the replication role's pgpass copied from the
 * mounted Secret into private files, then a clone of the primary with pg_basebackup when the volume
 * holds no complete copy (retrying until the primary answers), then the WAL followed through its own
 * replication slot, named after the pod. Both run as the replication role over TLS with the primary's
 * certificate verified (sslmode=verify-full). The clone goes to a side directory and is moved into
 * place only once complete: a copy interrupted by a kill (probe, drain) leaves files but no usable
 * cluster, and is cloned again. The connection is given on the command line on every start (it wins
 * over postgresql.auto.conf), so a standby cloned before TLS follows over verified TLS too, and no
 * password stays in its data directory.
 */
export function standbyScript(primaryHost: string, settings: string[]): string {
    const conninfo = replicationConninfo(primaryHost, ENGINE_PROFILES.postgres.port, RUN_DIR);
    const files = [SECRET_FILES.serverCert, SECRET_FILES.serverKey, SECRET_FILES.caCert, SECRET_FILES.hba, SECRET_FILES.ident, SECRET_FILES.replicationPgpass];
    return [
        "set -eu",
        "umask 077",
        `install -d -m 700 ${RUN_DIR}`,
        `for f in ${files.join(" ")}; do install -m 600 "${SECRETS_DIR}/$f" "${RUN_DIR}/$f"; done`,
        `conninfo='${conninfo}'`,
        'slot=$(printf %s "$HOSTNAME" | tr -c "a-z0-9_" "_")',
        'clone="$PGDATA.clone"',
        'if [ ! -s "$PGDATA/global/pg_control" ]; then',
        '  until pg_receivewal -d "$conninfo" --create-slot --if-not-exists -S "$slot" \\',
        '      && rm -rf "$clone" "$PGDATA" \\',
        '      && pg_basebackup -d "$conninfo" -S "$slot" -D "$clone" -R -X stream -c fast; do',
        `    echo "waiting for the primary at ${primaryHost}"; sleep 2`,
        "  done",
        '  mv "$clone" "$PGDATA"',
        "fi",
        'sed -i "/^primary_conninfo/d" "$PGDATA/postgresql.auto.conf"',
        `exec postgres ${settings.join(" ")} -c hot_standby=on -c "listen_addresses=*" -c "primary_conninfo=$conninfo" -c "primary_slot_name=$slot" \\`,
        `  -c ssl=on -c ssl_cert_file=${RUN_DIR}/${SECRET_FILES.serverCert} -c ssl_key_file=${RUN_DIR}/${SECRET_FILES.serverKey} -c ssl_min_protocol_version=TLSv1.2 \\`,
        `  -c hba_file=${RUN_DIR}/${SECRET_FILES.hba} -c ident_file=${RUN_DIR}/${SECRET_FILES.ident}`,
    ].join("\n");
}

/**
 * HA on postgres: ordinal 0 is the primary, ordinal 1 a hot standby cloned from it. There is no automatic
 * failover (that needs an operator such as CloudNativePG or Patroni); the standby keeps a warm copy on
 * another node for reads and manual promotion, and keeps one pod up while a node drains.
 */
export function highAvailabilityScript(spec: DatabaseSpec, primaryHost: string): string {
    return [
        'if [ "${HOSTNAME##*-}" = "0" ]; then',
        `  exec ${primaryArgs(spec).join(" ")}`,
        "fi",
        standbyScript(primaryHost, postgresSettings(spec)),
    ].join("\n");
}

/** What a postgres server pod mounts: nothing secret reaches its environment. */
export interface PostgresPodFiles {
    /** Secret mounted at SECRETS_DIR: certificate, pg_hba, roles script, verifiers (see ./security). */
    readonly serverSecret: pulumi.Input<string>;
    /** ConfigMap with dbplace-start, mounted at START_DIR. */
    readonly startConfigMap: pulumi.Input<string>;
    /** Secret with the monitor role's password and the CA, mounted into the exporter. */
    readonly exporterSecret: pulumi.Input<string>;
}

export interface ServerPodArgs {
    readonly spec: DatabaseSpec;
    /** Name of the credentials Secret (mysql: the server's and the exporter's password). */
    readonly secret: pulumi.Input<string>;
    /** postgres: the Secrets and ConfigMap the pod mounts. */
    readonly postgres?: PostgresPodFiles;
    /** postgres: ConfigMap with the exporter's replication queries (exporterQueriesData(REPLICATION_QUERIES)). */
    readonly queriesConfigMap?: pulumi.Input<string>;
    /** User and group the pod runs as: the engine image's server user. */
    readonly user: ImageUser;
    /** The database's ServiceAccount. */
    readonly serviceAccountName?: pulumi.Input<string>;
    /** Replace the server's start with this script (standbys, HA). Default: dbplace-start master (postgres), the official entrypoint (mysql). */
    readonly script?: pulumi.Input<string>;
    /** Extra pod-spec fields (affinity). */
    readonly affinity?: k8s.types.input.core.v1.Affinity;
}

/** The pod of a server (primary, HA standby, streaming standby): engine + exporter, data on the `data` claim. */
export function serverPodSpec(a: ServerPodArgs): k8s.types.input.core.v1.PodSpec {
    const { spec } = a;
    const profile = ENGINE_PROFILES[spec.engine];
    const server = SERVER[spec.engine];
    const preset = containerPreset(spec);
    const shm = shmVolume(preset);
    const pg = spec.engine === "postgres" ? a.postgres : undefined;
    if (spec.engine === "postgres" && !pg) throw new Error(`database "${spec.name}": a postgres server pod needs its Secrets (ServerPodArgs.postgres).`);
    // Ready once a real query answers over the unix socket, and (primary) once the roles are reconciled.
    const ready = (period: number, failures: number) => pg ? execProbe([START, "probe", spec.databaseName], period, failures) : queryProbe(spec, period, failures);
    return {
        securityContext: podSecurityContext(a.user),
        serviceAccountName: a.serviceAccountName,
        // Nothing in a database pod talks to the API server.
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 60,
        affinity: a.affinity,
        containers: [
            {
                name: spec.engine,
                image: spec.image,
                ...(a.script ? { command: ["bash", "-c", a.script] } : pg ? { command: server.args(spec) } : { args: server.args(spec) }),
                env: server.env(spec, a.secret),
                ports: [{ name: "db", containerPort: profile.port }],
                // Generous start: initdb, crash recovery or a pg_basebackup may take minutes before the first query.
                startupProbe: ready(5, 360),
                readinessProbe: ready(5, 3),
                livenessProbe: execProbe(LIVENESS[spec.engine], 10, 6),
                lifecycle: server.preStop ? { preStop: { exec: { command: server.preStop } } } : undefined,
                resources: resources(preset),
                securityContext: containerSecurityContext,
                volumeMounts: [
                    { name: "data", mountPath: profile.dataMountPath },
                    shm.mount,
                    ...(pg ? [
                        { name: "dbplace-start", mountPath: START_DIR, readOnly: true },
                        { name: "server-secret", mountPath: SECRETS_DIR, readOnly: true },
                    ] : []),
                ],
            },
            exporterContainer(pg ? {
                spec,
                port: profile.port,
                username: ROLES.monitor,
                auth: pg.exporterSecret,
                queriesConfigMap: a.queriesConfigMap,
            } : {
                spec,
                port: profile.port,
                username: profile.username,
                password: { name: a.secret, key: SECRET_KEYS.password },
                queriesConfigMap: a.queriesConfigMap,
            }),
        ],
        volumes: [
            shm.volume,
            ...(pg ? [
                { name: "dbplace-start", configMap: { name: pg.startConfigMap, defaultMode: 0o555 } },
                // Group-readable through fsGroup: dbplace-start copies the files to private ones, mode 0600, on every start.
                { name: "server-secret", secret: { secretName: pg.serverSecret, defaultMode: 0o440 } },
                exporterAuthVolume(pg.exporterSecret),
            ] : []),
            ...(a.queriesConfigMap ? [exporterQueriesVolume(a.queriesConfigMap)] : []),
        ],
    };
}

/**
 * The data claim of a server StatefulSet. Kubernetes refuses any change to volumeClaimTemplates, so
 * Pulumi would replace the StatefulSet (and, with its claims, the data) on a size change: the storage
 * request here only sizes claims the set creates, and {@link STABLE_CLAIM_TEMPLATE} keeps it as first
 * deployed. Existing claims follow `size` through {@link resizeClaims}.
 */
export function dataClaimTemplate(spec: DatabaseSpec, component: "server" | "streaming-replica"): k8s.types.input.core.v1.PersistentVolumeClaim {
    return {
        metadata: { name: "data", labels: objectLabels(spec, component) },
        spec: {
            accessModes: ["ReadWriteOnce"],
            storageClassName: spec.cluster.storageClass,
            resources: { requests: { storage: containerPreset(spec).storage } },
        },
    };
}

/** The one template field a size change touches; ignored after creation (a storage class change still replaces, as it must). */
export const STABLE_CLAIM_TEMPLATE = ["spec.volumeClaimTemplates[0].spec.resources.requests.storage"];

export interface ResizeArgs {
    readonly spec: DatabaseSpec;
    readonly namespace: pulumi.Input<string>;
    /** Kubernetes name of the StatefulSet whose claims `data-<set>-<ordinal>` are sized. */
    readonly statefulSetName: string;
    /** Ordinals 0 … count-1. */
    readonly count: number;
    /** The StatefulSet: its claims exist once it is ready. */
    readonly statefulSet: pulumi.Resource;
}

/**
 * Sizes each claim of a StatefulSet to the preset, in place (volume expansion: the StorageClass must
 * allow it, and the API refuses a shrink). Same size, no change. Forgetting a patch never touches the
 * claim: retainOnDelete, so a removed ordinal or a destroy leaves the request as it was.
 */
export function resizeClaims(name: string, a: ResizeArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.PersistentVolumeClaimPatch[] {
    const storage = containerPreset(a.spec).storage;
    return Array.from({ length: a.count }, (_, i) => new k8s.core.v1.PersistentVolumeClaimPatch(`${name}-${i}`, {
        metadata: {
            name: `data-${a.statefulSetName}-${i}`,
            namespace: a.namespace,
            // The StatefulSet controller wrote the request when it made the claim; this takes it over. No await:
            // for a WaitForFirstConsumer class the provider waits for phase Pending, which a bound claim never
            // returns to (a 5-minute timeout on every up, seen on the real node), and a resize is asynchronous anyway.
            annotations: { "pulumi.com/patchForce": "true", "pulumi.com/skipAwait": "true" },
        },
        spec: { resources: { requests: { storage } } },
    }, { ...opts, dependsOn: [a.statefulSet], retainOnDelete: true }));
}

/**
 * Keeps two servers of one database on different nodes when it can, across zones when the scheduler
 * can. `required` (cluster.requireSeparateNodes) makes the node rule hard: safer, but a cluster of one
 * node then never schedules the second pod.
 */
export function spreadAffinity(spec: DatabaseSpec, component: "server" | "streaming-replica", required: boolean): k8s.types.input.core.v1.Affinity {
    const labelSelector = { matchLabels: selectorLabels(spec, component) };
    const node = { labelSelector, topologyKey: "kubernetes.io/hostname" };
    return {
        podAntiAffinity: {
            ...(required ? { requiredDuringSchedulingIgnoredDuringExecution: [node] } : {}),
            preferredDuringSchedulingIgnoredDuringExecution: [
                ...(required ? [] : [{ weight: 100, podAffinityTerm: node }]),
                { weight: 50, podAffinityTerm: { labelSelector, topologyKey: "topology.kubernetes.io/zone" } },
            ],
        },
    };
}
