import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_PROFILES } from "../config/engines";
import { Engine } from "../config/schema";
import { DatabaseSpec } from "../config/validate";
import { objectLabels, selectorLabels } from "./labels";
import {
    containerPreset, containerSecurityContext, execProbe, exporterContainer, LIVENESS, podSecurityContext, queryProbe, REPLICATION_QUERIES, resources,
} from "./pod";

type EnvVar = k8s.types.input.core.v1.EnvVar;

/** Keys of the credentials Secret every cluster database gets. */
export const SECRET_KEYS = { username: "username", password: "password", replicationPassword: "replication-password", uri: "uri" } as const;
export const REPLICATION_USER = "replicator";
/** WAL the primary keeps for standbys that fall behind, before they must re-bootstrap. */
const WAL_KEEP_SIZE = "512MB";

const secretEnv = (name: string, secret: pulumi.Input<string>, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** How each engine's official image is started: env, server flags, clean shutdown. */
const SERVER: Record<Engine, {
    env(spec: DatabaseSpec, secret: pulumi.Input<string>): EnvVar[];
    args(maxConnections: number): string[];
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
        args: (n) => ["postgres", "-c", `max_connections=${n}`, "-c", `wal_keep_size=${WAL_KEEP_SIZE}`],
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
        args: (n) => ["mysqld", `--datadir=${ENGINE_PROFILES.mysql.dataMountPath}/data`, `--max-connections=${n}`],
    },
};

/** Init script of the postgres primary: the replication role and its pg_hba line, on the first start of the volume only. */
export function replicationInitScript(): string {
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '$REPLICATION_PASSWORD'"`,
        `echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"`,
        "",
    ].join("\n");
}

/**
 * A hot standby's start: clone the primary with pg_basebackup on an empty volume (retrying until the
 * primary answers), then follow its WAL. `-R` writes standby.signal and primary_conninfo.
 */
export function standbyScript(primaryHost: string, maxConnections: number): string {
    return [
        "set -eu",
        'if [ ! -s "$PGDATA/PG_VERSION" ]; then',
        '  rm -rf "$PGDATA"',
        `  until PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h ${primaryHost} -p ${ENGINE_PROFILES.postgres.port} -U ${REPLICATION_USER} -D "$PGDATA" -R -X stream -c fast; do`,
        `    echo "waiting for the primary at ${primaryHost}"; rm -rf "$PGDATA"; sleep 2`,
        "  done",
        "fi",
        `exec postgres -c hot_standby=on -c max_connections=${maxConnections} -c wal_keep_size=${WAL_KEEP_SIZE}`,
    ].join("\n");
}

/**
 * HA on postgres: ordinal 0 is the primary, ordinal 1 a hot standby cloned from it. There is no automatic
 * failover (that needs an operator such as CloudNativePG or Patroni); the standby keeps a warm copy on
 * another node for reads and manual promotion, and keeps one pod up while a node drains.
 */
export function highAvailabilityScript(primaryHost: string, maxConnections: number): string {
    return [
        'if [ "${HOSTNAME##*-}" = "0" ]; then',
        `  exec docker-entrypoint.sh ${SERVER.postgres.args(maxConnections).join(" ")}`,
        "fi",
        standbyScript(primaryHost, maxConnections),
    ].join("\n");
}

export interface ServerPodArgs {
    readonly spec: DatabaseSpec;
    /** Name of the credentials Secret. */
    readonly secret: pulumi.Input<string>;
    /** postgres: ConfigMap with the replication init script. */
    readonly initConfigMap?: pulumi.Input<string>;
    readonly runAsUser: number;
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
    return {
        securityContext: podSecurityContext(a.runAsUser),
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        terminationGracePeriodSeconds: 60,
        affinity: a.affinity,
        containers: [
            {
                name: spec.engine,
                image: spec.image,
                ...(a.script ? { command: ["bash", "-c", a.script] } : { args: server.args(preset.maxConnections) }),
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
                    ...(a.initConfigMap ? [{ name: "init", mountPath: "/docker-entrypoint-initdb.d", readOnly: true }] : []),
                ],
            },
            exporterContainer({
                spec,
                port: profile.port,
                username: profile.username,
                password: { name: a.secret, key: SECRET_KEYS.password },
                queries: spec.engine === "postgres" ? REPLICATION_QUERIES : undefined,
            }),
        ],
        volumes: a.initConfigMap ? [{ name: "init", configMap: { name: a.initConfigMap, defaultMode: 0o555 } }] : undefined,
    };
}

/** The data claim of a server StatefulSet, sized by the preset. */
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

/** Never two servers of one database on one node; across zones when the scheduler can. */
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
