import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { ENGINE_PROFILES } from "../config/engines";
import { ContainerPreset, mebibytes, sizePreset } from "../config/presets";
import { Engine } from "../config/schema";
import { DatabaseSpec } from "../config/validate";
import { EXPORTER_FILES } from "./security";

type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;

/** The numeric user and group a database image's server runs as; data directories belong to them. */
export interface ImageUser {
    readonly uid: number;
    readonly gid: number;
}

/** `postgres` and `mysql` in the official images; they must not start as root to drop privileges. */
export const OFFICIAL_IMAGE_USER: ImageUser = { uid: 999, gid: 999 };
/**
 * `postgres` in the project's own base image (tools/docker/base-image.sh): Debian's postgresql-common
 * makes it a system user, 100:102 in bookworm's minbase. The docker tier reads it from the image.
 */
export const DBPLACE_IMAGE_USER: ImageUser = { uid: 100, gid: 102 };

/**
 * Who the server in `image` runs as: the project's base image (and replicas baked from it) or an
 * official one. Images of other families set `cluster.runAsUser` / `cluster.runAsGroup`.
 */
export function imageUser(image: string): ImageUser {
    const repository = image.replace(/@.*$/, "").replace(/:[^/:]*$/, "");
    return /(^|\/)dbplace\/postgres$/.test(repository) ? DBPLACE_IMAGE_USER : OFFICIAL_IMAGE_USER;
}

/** The user of a spec's database pods: `cluster.runAsUser` / `runAsGroup` when set, else the engine image's. */
export function podUser(spec: DatabaseSpec): ImageUser {
    return withOverrides(spec, imageUser(spec.image));
}

/** `cluster.runAsUser` / `runAsGroup` over the image's user; a user given alone is its own group too. */
function withOverrides(spec: DatabaseSpec, fromImage: ImageUser): ImageUser {
    return { uid: spec.cluster.runAsUser ?? fromImage.uid, gid: spec.cluster.runAsGroup ?? spec.cluster.runAsUser ?? fromImage.gid };
}

/** What `npm run bake` bakes on unless told otherwise (scripts/bake.ts). */
export const DEFAULT_BAKE_BASE_IMAGE = "dbplace/postgres:15";

/**
 * The user of baked replica pods: the restored data directory belongs to the server user of the image
 * the bake started from, `spec.image` when the program bakes, `npm run bake`'s default base for an image
 * given in `replicas.image`. `cluster.runAsUser` / `runAsGroup` override both.
 */
export function bakedReplicaUser(spec: DatabaseSpec): ImageUser {
    return withOverrides(spec, imageUser(spec.replicas.image !== undefined ? DEFAULT_BAKE_BASE_IMAGE : spec.image));
}

/** Restricted Pod Security Standard: non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp. */
export function podSecurityContext(user: ImageUser): k8s.types.input.core.v1.PodSecurityContext {
    return {
        runAsNonRoot: true,
        runAsUser: user.uid,
        runAsGroup: user.gid,
        fsGroup: user.gid,
        // A large volume is only re-chowned when its root has the wrong owner, not on every restart.
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

export const containerSecurityContext: k8s.types.input.core.v1.SecurityContext = {
    allowPrivilegeEscalation: false,
    privileged: false,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The container-shaped preset for this size; VM/DBaaS specs (baked replicas of managed masters) fall back to the cluster row. */
export function containerPreset(spec: DatabaseSpec): ContainerPreset {
    const preset = spec.preset.kind === "container" ? spec.preset : sizePreset(spec.cloud, "cluster", spec.size, spec.engine);
    if (preset.kind !== "container") {
        throw new Error(`size "${spec.size}" on cloud "${spec.cloud}" has no container preset for Kubernetes pods; add a cluster row to components/config/presets.ts.`);
    }
    return preset;
}

/**
 * A memory-backed /dev/shm: postgres puts parallel-query segments there, and a container's default is
 * 64 MiB. It counts against the pod's memory limit, so it gets a quarter of it (at least 64 MiB).
 */
export function shmVolume(p: ContainerPreset): { volume: k8s.types.input.core.v1.Volume; mount: k8s.types.input.core.v1.VolumeMount } {
    const mib = Math.max(64, Math.floor(mebibytes(p.memoryLimit) / 4));
    return {
        // Named apart from anything an application pod may bring, since sidecars join those pods.
        volume: { name: "dbplace-shm", emptyDir: { medium: "Memory", sizeLimit: `${mib}Mi` } },
        mount: { name: "dbplace-shm", mountPath: "/dev/shm" },
    };
}

export function resources(p: ContainerPreset): k8s.types.input.core.v1.ResourceRequirements {
    return { requests: { cpu: p.cpuRequest, memory: p.memoryRequest }, limits: { cpu: p.cpuLimit, memory: p.memoryLimit } };
}

export function execProbe(command: string[], periodSeconds: number, failureThreshold: number, timeoutSeconds = 5): Probe {
    return { exec: { command }, periodSeconds, failureThreshold, timeoutSeconds };
}

/** Readiness that passes only once the server answers a real query, not merely accepts TCP. */
export function queryProbe(spec: DatabaseSpec, periodSeconds: number, failureThreshold: number): Probe {
    return execProbe(["sh", "-c", ENGINE_PROFILES[spec.engine].readyShell(spec.databaseName)], periodSeconds, failureThreshold);
}

/**
 * Liveness is deliberately weaker than readiness: "the server process answers at all". A busy server
 * that is slow to run a query must leave the Service, not be killed mid crash-recovery. pg_isready
 * exits 1 while the server rejects connections (starting, crash recovery, a standby not yet
 * consistent): alive and working, so only 2 (no answer) and 3 (no attempt) fail.
 */
export const LIVENESS: Record<Engine, string[]> = {
    postgres: ["sh", "-c", "pg_isready -q -h 127.0.0.1 -p 5432; [ $? -le 1 ]"],
    mysql: ["sh", "-c", "mysqladmin ping --silent -h 127.0.0.1 -P 3306"],
};

/** Custom exporter queries (postgres_exporter queries.yaml); the namespace + column form the metric name. */
export interface ExporterQuery {
    readonly query: string;
    readonly metrics: Record<string, string>;
}

/** `dbplace_replication_*`: lag as seen by a standby; 0 on a primary. `is_streaming` catches a standby cut off from its primary, whose lag reads 0. */
export const REPLICATION_QUERIES: Record<string, ExporterQuery> = {
    dbplace_replication: {
        query: [
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0",
            "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0",
            "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END AS lag_seconds,",
            "CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END AS is_replica,",
            "(SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming') AS is_streaming",
        ].join(" "),
        metrics: { lag_seconds: "Seconds the standby's replay is behind its primary", is_replica: "1 on a standby", is_streaming: "1 while the standby receives WAL" },
    },
};

export interface ExporterArgs {
    readonly spec: DatabaseSpec;
    /** Port of the server in the same pod. */
    readonly port: number;
    /** Role the exporter logs in as. */
    readonly username: string;
    /** Secret key holding that role's password, as an environment variable (mysql, baked replicas). */
    readonly password?: { name: pulumi.Input<string>; key: string };
    /**
     * postgres over verified TLS: a Secret with the role's password and the server's CA (keys of
     * EXPORTER_FILES in ./security), mounted with {@link exporterAuthVolume}; the password stays a file.
     */
    readonly auth?: pulumi.Input<string>;
    /** postgres only: a ConfigMap made by {@link exporterQueriesData}, mounted as the exporter's extra queries. */
    readonly queriesConfigMap?: pulumi.Input<string>;
}

/** Where the queries ConfigMap is mounted: a file, so exporter images without a shell work (ours has none). */
const QUERIES_DIR = "/etc/dbplace-exporter";
const QUERIES_KEY = "queries.yaml";

/** Where {@link ExporterArgs.auth} is mounted in the exporter. */
const AUTH_DIR = "/etc/dbplace-exporter-auth";

/** The pod volume for {@link ExporterArgs.auth}; add it to the pod's volumes. */
export function exporterAuthVolume(secret: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
    return { name: "exporter-auth", secret: { secretName: secret, defaultMode: 0o440 } };
}

/** The data of the ConfigMap that carries custom queries in postgres_exporter's queries.yaml form. */
export function exporterQueriesData(queries: Record<string, ExporterQuery>): Record<string, string> {
    return {
        [QUERIES_KEY]: stringify(Object.fromEntries(Object.entries(queries).map(([ns, q]) => [ns, {
            query: q.query,
            metrics: Object.entries(q.metrics).map(([column, description]) => ({ [column]: { usage: "GAUGE", description } })),
        }]))),
    };
}

/** The pod volume for {@link ExporterArgs.queriesConfigMap}; add it to the pod's volumes. */
export function exporterQueriesVolume(configMap: pulumi.Input<string>): k8s.types.input.core.v1.Volume {
    return { name: "exporter-queries", configMap: { name: configMap } };
}

export function exporterContainer(a: ExporterArgs): Container {
    const profile = ENGINE_PROFILES[a.spec.engine];
    const secretEnv = (name: string) => {
        if (!a.password) throw new Error(`exporter of "${a.spec.name}": no password Secret given.`);
        return { name, valueFrom: { secretKeyRef: { name: a.password.name, key: a.password.key } } };
    };
    const base: Container = {
        name: "exporter",
        image: a.spec.exporterImage,
        ports: [{ name: "metrics", containerPort: profile.exporterPort }],
        resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
        securityContext: containerSecurityContext,
    };
    if (a.spec.engine === "mysql") {
        return {
            ...base,
            args: [`--mysqld.address=127.0.0.1:${a.port}`, `--mysqld.username=${a.username}`],
            env: [secretEnv("MYSQLD_EXPORTER_PASSWORD")],
        };
    }
    const env = a.auth !== undefined ? [
        // Loopback is a network client too: TLS, the server's name (127.0.0.1) checked against the CA.
        { name: "DATA_SOURCE_URI", value: `127.0.0.1:${a.port}/${a.spec.databaseName}?sslmode=verify-full&sslrootcert=${AUTH_DIR}/${EXPORTER_FILES.caCert}` },
        { name: "DATA_SOURCE_USER", value: a.username },
        { name: "DATA_SOURCE_PASS_FILE", value: `${AUTH_DIR}/${EXPORTER_FILES.password}` },
    ] : [
        { name: "DATA_SOURCE_URI", value: `127.0.0.1:${a.port}/${a.spec.databaseName}?sslmode=disable` },
        { name: "DATA_SOURCE_USER", value: a.username },
        secretEnv("DATA_SOURCE_PASS"),
    ];
    const mounts = [
        ...(a.auth !== undefined ? [{ name: "exporter-auth", mountPath: AUTH_DIR, readOnly: true }] : []),
        ...(a.queriesConfigMap !== undefined ? [{ name: "exporter-queries", mountPath: QUERIES_DIR, readOnly: true }] : []),
    ];
    return {
        ...base,
        env: [...env, ...(a.queriesConfigMap !== undefined ? [{ name: "PG_EXPORTER_EXTEND_QUERY_PATH", value: `${QUERIES_DIR}/${QUERIES_KEY}` }] : [])],
        ...(mounts.length > 0 ? { volumeMounts: mounts } : {}),
    };
}
