import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BAKED } from "../bake";
import { DatabaseSpec } from "../config/validate";
import { BAKED_REPLICA_ROLE, DECLARED_ENV } from "../declarations";
import { bakedReplicaUser, containerPreset, containerSecurityContext, ImageUser, resources, shmVolume } from "./pod";

type Container = k8s.types.input.core.v1.Container;

export interface BakedReplicaSidecarArgs {
    /** Resolved spec of the database whose data the image carries. */
    readonly spec: DatabaseSpec;
    /** The baked image: `ClusterBakedReplicas.imageRef`, or `replicas.image`. */
    readonly image: pulumi.Input<string>;
    /** Container name. Default `${spec.name}-replica`. */
    readonly name?: string;
    /** The postgres user inside the baked image; the restored data directory belongs to it. Default: {@link bakedReplicaUser}. */
    readonly user?: ImageUser;
}

/**
 * What a baked replica says about itself in its environment. As a sidecar it runs in an application's
 * pod, whose labels and annotations are the application's: env is the one place that is the replica's
 * own, so the policy pack and the replica's tooling read role and promised data age from here.
 */
export function bakedReplicaEnv(spec: DatabaseSpec): { name: string; value: string }[] {
    const minutes = spec.replicas.maxStalenessMinutes;
    return [
        { name: DECLARED_ENV.role, value: BAKED_REPLICA_ROLE },
        ...(minutes === undefined ? [] : [{ name: DECLARED_ENV.maxStaleness, value: String(minutes) }]),
    ];
}

/**
 * One baked replica container: the data is in the image, so nothing is mounted. Ready only once the
 * database answers a query (BAKED.readinessCommand); alive while it accepts TCP, which needs no client
 * binaries on PATH and cannot kill a replica that is merely busy.
 */
export function bakedReplicaContainer(a: BakedReplicaSidecarArgs): Container {
    const user = a.user ?? bakedReplicaUser(a.spec);
    const query = { exec: { command: BAKED.readinessCommand(a.spec.databaseName) }, timeoutSeconds: 3 };
    return {
        name: a.name ?? `${a.spec.name}-replica`,
        image: a.image,
        env: bakedReplicaEnv(a.spec),
        ports: [{ name: "db", containerPort: BAKED.port }],
        // Baked data answers within a second; a minute of grace covers a cold node pulling nothing else.
        startupProbe: { ...query, periodSeconds: 1, failureThreshold: 60 },
        readinessProbe: { ...query, periodSeconds: 5, failureThreshold: 3 },
        livenessProbe: { tcpSocket: { port: BAKED.port }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
        resources: resources(containerPreset(a.spec)),
        // Set on the container, not the pod: as a sidecar it lives in an application's pod with its own settings.
        securityContext: { ...containerSecurityContext, runAsUser: user.uid, runAsGroup: user.gid },
    };
}

/**
 * SIDECAR MODE: a baked replica inside the application's own pod, read over 127.0.0.1:5432 with the
 * stack's `readConnectionSecret`. Reads then scale with the application and never cross the network.
 */
export function bakedReplicaSidecar(a: BakedReplicaSidecarArgs): Container {
    const c = bakedReplicaContainer(a);
    // Loopback only: the pod IP is reachable from every pod the NetworkPolicy admits, and the data is the database's.
    return { ...c, env: [...bakedReplicaEnv(a.spec), { name: "DBPLACE_LISTEN", value: "loopback" }] };
}

export interface WithSidecarOptions {
    /**
     * Add it as a native sidecar (an init container with restartPolicy Always, Kubernetes ≥ 1.29): the
     * application's containers start only after the replica's startup probe passed, and the replica
     * stops after them. false: append it to `containers` for older clusters. Default true.
     */
    readonly native?: boolean;
}

/** Returns `podSpec` with a baked replica added, for an application's Deployment. */
export function withBakedReplicaSidecar(podSpec: k8s.types.input.core.v1.PodSpec, a: BakedReplicaSidecarArgs & WithSidecarOptions): k8s.types.input.core.v1.PodSpec {
    // The replica's /dev/shm is a pod-level volume: it joins the application's own.
    const shm = shmVolume(containerPreset(a.spec));
    const sidecar = { ...bakedReplicaSidecar(a), volumeMounts: [shm.mount] };
    const volumes = pulumi.all([podSpec.volumes ?? []]).apply(([list]) => [...(list ?? []), shm.volume]);
    if (a.native ?? true) {
        return {
            ...podSpec,
            volumes,
            initContainers: pulumi.all([podSpec.initContainers ?? [], sidecar]).apply(([list, c]) => [...(list ?? []), { ...c, restartPolicy: "Always" }]),
        };
    }
    return { ...podSpec, volumes, containers: pulumi.all([podSpec.containers, sidecar]).apply(([list, c]) => [...(list ?? []), c]) };
}
