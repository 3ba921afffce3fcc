import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_PROFILES } from "../config/engines";
import { Engine } from "../config/schema";
import { mebibytes } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { objectLabels, selectorLabels } from "./labels";
import {
    containerPreset, containerSecurityContext, execProbe, exporterContainer, exporterQueriesVolume, ImageUser, LIVENESS, podSecurityContext, queryProbe, resources, shmVolume,
} from "./pod";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Keys of the credentials Secret every cluster database gets. */
export const SECRET_KEYS = { username: "username", password: "password", replicationPassword: "replication-password", uri: "uri" } as const;
export const REPLICATION_USER = "replicator";
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
        env: (spec, secret) => [
            // A subdirectory: a fresh volume's lost+found would make initdb refuse the mount point itself.
            { name: "PGDATA", value: `${ENGINE_PROFILES.postgres.dataMountPath}/pgdata` },
            { name: "POSTGRES_USER", value: ENGINE_PROFILES.postgres.username },
            { name: "POSTGRES_DB", value: spec.databaseName },
            secretEnv("POSTGRES_PASSWORD", secret, SECRET_KEYS.password),
            secretEnv("REPLICATION_PASSWORD", secret, SECRET_KEYS.replicationPassword),
        ],
        args: (spec) => ["postgres", ...postgresSettings(spec)],
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
 * Init script of the postgres primary: the replication role and its pg_hba line, on the first start of
 * the volume only. The line's method is the server's password_encryption (md5 by default before
 * PostgreSQL 14): a role stored as md5 can never pass a scram-sha-256 line.
 */
export function replicationInitScript(): string {
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '$REPLICATION_PASSWORD'"`,
        `method=$(psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "SHOW password_encryption")`,
        `case "$method" in scram-sha-256|md5) ;; *) echo "unexpected password_encryption '$method'" >&2; exit 1 ;; esac`,
        `echo "host replication ${REPLICATION_USER} all $method" >> "$PGDATA/pg_hba.conf"`,
        "",
    ].join("\n");
}

/**
 * A hot standby's start: clone the primary with pg_basebackup when the volume holds no complete copy
 * (retrying until the primary answers), then follow its WAL through its own replication slot, named
 * after the pod. The clone goes to a side directory and is moved into place only once complete: a
 * copy interrupted by a kill (probe, drain) leaves files but no usable cluster, and is cloned again.
 * `-R` writes standby.signal, primary_conninfo and primary_slot_name.
 */
export function standbyScript(primaryHost: string, settings: string[]): string {
    const connection = `-h ${primaryHost} -p ${ENGINE_PROFILES.postgres.port} -U ${REPLICATION_USER}`;
    return [
        "set -eu",
        'slot=$(printf %s "$HOSTNAME" | tr -c "a-z0-9_" "_")',
        'clone="$PGDATA.clone"',
        'if [ ! -s "$PGDATA/global/pg_control" ]; then',
        "  export PGPASSWORD=\"$REPLICATION_PASSWORD\"",
        `  until pg_receivewal ${connection} --create-slot --if-not-exists -S "$slot" \\`,
        '      && rm -rf "$clone" "$PGDATA" \\',
        `      && pg_basebackup ${connection} -S "$slot" -D "$clone" -R -X stream -c fast; do`,
        `    echo "waiting for the primary at ${primaryHost}"; sleep 2`,
        "  done",
        '  mv "$clone" "$PGDATA"',
        "  unset PGPASSWORD",
        "fi",
        `exec postgres ${settings.join(" ")} -c hot_standby=on`,
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
        `  exec docker-entrypoint.sh ${primaryArgs(spec).join(" ")}`,
        "fi",
        standbyScript(primaryHost, postgresSettings(spec)),
    ].join("\n");
}

export interface ServerPodArgs {
    readonly spec: DatabaseSpec;
    /** Name of the credentials Secret. */
    readonly secret: pulumi.Input<string>;
    /** postgres: ConfigMap with the replication init script. */
    readonly initConfigMap?: pulumi.Input<string>;
    /** postgres: ConfigMap with the exporter's replication queries (exporterQueriesData(REPLICATION_QUERIES)). */
    readonly queriesConfigMap?: pulumi.Input<string>;
    /** User and group the pod runs as: the engine image's server user. */
    readonly user: ImageUser;
    /** The database's ServiceAccount. */
    readonly serviceAccountName?: pulumi.Input<string>;
    /** Replace the image's start with this script (standbys, HA). Default: the official entrypoint. */
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
                ...(a.script ? { command: ["bash", "-c", a.script] } : { args: server.args(spec) }),
                env: server.env(spec, a.secret),
                ports: [{ name: "db", containerPort: profile.port }],
                // Generous start: initdb, crash recovery or a pg_basebackup may take minutes before the first query.
                startupProbe: queryProbe(spec, 5, 360),
                readinessProbe: queryProbe(spec, 5, 3),
                livenessProbe: execProbe(LIVENESS[spec.engine], 10, 6),
                lifecycle: server.preStop ? { preStop: { exec: { command: server.preStop } } } : undefined,
                resources: resources(preset),
                securityContext: containerSecurityContext,
                volumeMounts: [
                    { name: "data", mountPath: profile.dataMountPath },
                    shm.mount,
                    ...(a.initConfigMap ? [{ name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true }] : []),
                ],
            },
            exporterContainer({
                spec,
                port: profile.port,
                username: profile.username,
                password: { name: a.secret, key: SECRET_KEYS.password },
                queriesConfigMap: a.queriesConfigMap,
            }),
        ],
        volumes: [
            shm.volume,
            ...(a.initConfigMap ? [{ name: "init", configMap: { name: a.initConfigMap, defaultMode: 0o555 } }] : []),
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
