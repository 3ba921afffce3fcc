import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BAKED, SECRET_FILES, SECRETS_DIR } from "../bake";
import { CURRENT_TAG } from "../bake/loop-job";
import { DatabaseTls } from "../tls";
import { ENGINE_PROFILES } from "../config/engines";
import { bakedReplicaImage } from "../replicas/bake-image";
import { DatabaseSpec } from "../config/validate";
import { connectionUri } from "../contract";
import { stalenessDeclaration } from "../declarations";
import { meta, namespaceLabels, objectLabels, objectNames, selectorLabels, serviceHost } from "./labels";
import { bakedAlerts, monitoring } from "./monitoring";
import { admitPolicy } from "./network";
import { bakedReplicaUser, containerPreset, exporterContainer, exporterQueriesData, exporterQueriesVolume, ExporterQuery, ImageUser, podSecurityContext, shmVolume } from "./pod";
import { clusterProvider } from "./provider";
import { bakedReplicaContainer, bakedReplicaSidecar } from "./sidecar";
import { bakeLoop, BakeLoop } from "./bake-loop";
import { formerTypeAliases } from "../renames";

export interface ClusterBakedReplicasArgs {
    /** Resolved spec of the master (any placement); `replicas` says how many, which image, service or sidecar. */
    readonly spec: DatabaseSpec;
    /** Password of BAKED.readerRole: `readerPassword(masterPassword)` from components/replicas/reader.ts. */
    readonly readerPassword: pulumi.Input<string>;
    /** Namespace, e.g. the master's Namespace output. Default: spec.cluster.namespace, created here when spec.cluster.createNamespace. */
    readonly namespace?: pulumi.Input<string>;
    /** Provider of the cluster that runs the replicas (aws/gcp pass their EKS/GKE one). Default: `${name}-k8s` from spec.cluster. */
    readonly provider?: k8s.Provider;
    /** An already baked image. Default: spec.replicas.image, or one built from spec.replicas.dump and pushed to spec.replicas.repository. */
    readonly image?: pulumi.Input<string>;
    /** The postgres user inside the baked image. Default: {@link bakedReplicaUser}. */
    readonly user?: ImageUser;
    /** ServiceAccount of the replica pods (the database's). Default: the namespace's default account. */
    readonly serviceAccountName?: pulumi.Input<string>;
    /**
     * Service mode: the certificate the replicas serve (mounted from a Secret, never baked), which makes
     * TLS required and the read URI `sslmode=verify-full`. Default: none; the replicas then serve
     * without TLS and still require the reader's password beyond loopback.
     */
    readonly tls?: DatabaseTls;
    /**
     * The primary, for the in-cluster bake loop (spec.replicas.source "loop"): its Service, port, credentials
     * Secret and resource (the first bake waits for it). Default: none; required in that mode.
     */
    readonly primary?: { host: pulumi.Input<string>; port: number; secret: pulumi.Input<string>; resource: pulumi.Resource };
}

/** `dbplace_baked_data_age_seconds`: how old the dump is that a replica serves, i.e. its staleness. */
export const AGE_QUERIES: Record<string, ExporterQuery> = {
    dbplace_baked_data_age: {
        query: `SELECT (${BAKED.ageQuery.trim().replace(/;$/, "")}) AS seconds`,
        metrics: { seconds: "Seconds since the dump this replica serves was taken" },
    },
};

/**
 * How long a replica that is leaving keeps serving before postgres stops: the Service drops the pod as
 * termination starts, but kube-proxy on every node and client pools learn it a few seconds later, and
 * connections opened meanwhile would be refused.
 */
export const PRESTOP_DRAIN_SECONDS = 10;
/** Drain, then postgres' own shutdown, well inside the grace period. */
const TERMINATION_GRACE_SECONDS = PRESTOP_DRAIN_SECONDS + 30;

/** Target CPU of the autoscaler: headroom for a burst while a new pod (ready within seconds) comes up. */
const HPA_CPU_UTILIZATION = 70;

/**
 * Image-baked read replicas on Kubernetes, for any master placement: a Deployment of pods that carry the
 * data in their image, so they mount nothing, start in about a second and scale like any stateless pod.
 * A new dump means a new image tag and a rolling update that adds a ready pod before removing one.
 */
export class ClusterBakedReplicas extends pulumi.ComponentResource {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    /** The image the replicas run (tag = dump digest when built here). */
    public readonly imageRef: pulumi.Output<string>;
    /** The replica as a container for an application's pod (what sidecar mode hands out). */
    public readonly sidecar: k8s.types.input.core.v1.Container;
    /** Undefined in sidecar mode. */
    public readonly deployment?: k8s.apps.v1.Deployment;
    /** The CA the replicas' certificate verifies against; empty without `tls`. */
    public readonly caCert: pulumi.Output<string>;

    constructor(name: string, args: ClusterBakedReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:cluster:BakedReplicas", name, {}, formerTypeAliases("dbplace:cluster:BakedReplicas", opts));
        const { spec } = args;
        const user = args.user ?? bakedReplicaUser(spec);
        const password = pulumi.secret(args.readerPassword);
        const looping = args.image === undefined && spec.replicas.source === "loop";
        this.imageRef = pulumi.output(args.image ?? spec.replicas.image ?? (looping ? `${spec.replicas.repository}:${CURRENT_TAG}` : this.bake(name, spec, password)));
        this.sidecar = bakedReplicaSidecar({ spec, image: this.imageRef, user });

        if (spec.replicas.mode === "sidecar") {
            // Each application pod carries its own replica: nothing runs here, reads stay on localhost.
            this.readHost = pulumi.output("127.0.0.1");
        } else {
            const provider = args.provider ?? clusterProvider(name, spec, this);
            const child = { parent: this, provider };
            const namespace = args.namespace ?? (spec.cluster.createNamespace
                ? new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: spec.cluster.namespace, labels: namespaceLabels(spec) } }, child).metadata.name
                : spec.cluster.namespace);
            const names = objectNames(spec);
            const deploymentName = names.baked;
            const exporterPort = ENGINE_PROFILES.postgres.exporterPort;

            const reader = new k8s.core.v1.Secret(`${name}-reader`, {
                metadata: meta(spec, namespace, names.reader, "baked-replica"),
                type: "Opaque",
                stringData: pulumi.secret({ username: BAKED.readerRole, password }),
            }, child);

            const queries = new k8s.core.v1.ConfigMap(`${name}-exporter-queries`, {
                metadata: meta(spec, namespace, names.bakedExporterQueries, "baked-replica"),
                data: exporterQueriesData(AGE_QUERIES),
            }, child);

            let loop: BakeLoop | undefined;
            if (looping) {
                if (!args.primary) throw new Error(`database "${spec.name}": the in-cluster bake loop (replicas.repository without replicas.dump or replicas.image) needs the primary; it runs with placement cluster only.`);
                loop = bakeLoop(name, {
                    spec, namespace, host: args.primary.host, port: args.primary.port, secret: args.primary.secret, readerPassword: password,
                    deploymentName, user, dependsOn: [args.primary.resource],
                }, child);
            }
            const autoscaled = spec.replicas.maxReplicas !== undefined;
            const shm = shmVolume(containerPreset(spec));
            const replica = bakedReplicaContainer({ spec, image: this.imageRef, name: "postgres", user });
            // dbplace-start copies the certificate into a private directory on every start, so a rotated
            // Secret needs a restart, not a re-bake.
            const tlsSecret = args.tls && new k8s.core.v1.Secret(`${name}-tls`, {
                metadata: meta(spec, namespace, names.replicaTls, "baked-replica"),
                type: "Opaque",
                stringData: pulumi.secret({ [SECRET_FILES.serverCert]: args.tls.serverCert, [SECRET_FILES.serverKey]: args.tls.serverKey }),
            }, child);
            // The promised data age, on the Deployment (policy pack, `kubectl describe`) and on every pod it makes
            // (`kubectl get pod -o yaml`, the ReplicaSets); left off entirely when the stack promised nothing.
            const declared = stalenessDeclaration(spec);
            const annotations = Object.keys(declared).length > 0 ? declared : undefined;
            this.deployment = new k8s.apps.v1.Deployment(`${name}-deploy`, {
                metadata: { ...meta(spec, namespace, deploymentName, "baked-replica"), annotations },
                spec: {
                    replicas: spec.replicas.count,
                    selector: { matchLabels: selectorLabels(spec, "baked-replica") },
                    // Never fewer ready replicas than `count` during a roll: add one, wait for ready, remove one.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    revisionHistoryLimit: 3,
                    template: {
                        metadata: { labels: objectLabels(spec, "baked-replica"), annotations },
                        spec: {
                            securityContext: podSecurityContext(user),
                            serviceAccountName: args.serviceAccountName,
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
                            topologySpreadConstraints: [{
                                maxSkew: 1,
                                topologyKey: "kubernetes.io/hostname",
                                whenUnsatisfiable: "ScheduleAnyway",
                                labelSelector: { matchLabels: selectorLabels(spec, "baked-replica") },
                            }],
                            containers: [
                                {
                                    ...replica,
                                    // The loop moves :current to each bake; a new pod must not start from a cached older one.
                                    ...(loop ? { imagePullPolicy: "Always" } : {}),
                                    env: [...replica.env as k8s.types.input.core.v1.EnvVar[], ...(tlsSecret ? [{ name: "DBPLACE_TLS", value: "required" }] : [])],
                                    lifecycle: { preStop: { exec: { command: ["sleep", String(PRESTOP_DRAIN_SECONDS)] } } },
                                    volumeMounts: [shm.mount, ...(tlsSecret ? [{ name: "tls", mountPath: SECRETS_DIR, readOnly: true }] : [])],
                                },
                                exporterContainer({
                                    spec,
                                    port: BAKED.port,
                                    username: BAKED.readerRole,
                                    password: { name: reader.metadata.name, key: "password" },
                                    queriesConfigMap: queries.metadata.name,
                                }),
                            ],
                            // The TLS files are group-readable through fsGroup: the server copies them to files of its own, mode 0600.
                            volumes: [
                                shm.volume,
                                exporterQueriesVolume(queries.metadata.name),
                                ...(tlsSecret ? [{ name: "tls", secret: { secretName: tlsSecret.metadata.name, defaultMode: 0o440 } }] : []),
                            ],
                        },
                    },
                },
            // The autoscaler owns the replica count once it exists; re-applying `count` would undo its scaling.
            }, { ...child, ignoreChanges: autoscaled ? ["spec.replicas"] : undefined, dependsOn: loop ? [loop.firstBake] : undefined });

            const service = new k8s.core.v1.Service(`${name}-ro`, {
                metadata: meta(spec, namespace, names.readOnly, "baked-replica"),
                spec: {
                    type: "ClusterIP",
                    selector: selectorLabels(spec, "baked-replica"),
                    ports: [
                        { name: "db", port: BAKED.port, targetPort: "db", protocol: "TCP" },
                        { name: "metrics", port: exporterPort, targetPort: "metrics", protocol: "TCP" },
                    ],
                },
            }, child);

            new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
                metadata: meta(spec, namespace, deploymentName, "baked-replica"),
                // `count` is the promise: a drain may evict replicas beyond it (autoscaled or surged ones) and
                // otherwise waits, since a Deployment does not surge for an eviction: scale up to drain a node.
                spec: { minAvailable: spec.replicas.count, selector: { matchLabels: selectorLabels(spec, "baked-replica") } },
            }, child);

            admitPolicy(`${name}-netpol`, {
                spec, namespace, policyName: deploymentName, component: "baked-replica", port: BAKED.port, metricsPort: exporterPort,
            }, child);

            if (autoscaled) {
                new k8s.autoscaling.v2.HorizontalPodAutoscaler(`${name}-hpa`, {
                    metadata: meta(spec, namespace, deploymentName, "baked-replica"),
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: this.deployment.metadata.name },
                        minReplicas: spec.replicas.count,
                        maxReplicas: spec.replicas.maxReplicas!,
                        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: HPA_CPU_UTILIZATION } } }],
                    },
                }, child);
            }
            if (spec.cluster.prometheusOperator) {
                monitoring(name, {
                    spec, namespace, objectName: deploymentName, component: "baked-replica", scrape: ["baked-replica"],
                    alerts: (ns) => bakedAlerts(spec, ns, deploymentName),
                }, child);
            }
            this.readHost = serviceHost(service.metadata.name, namespace);
        }

        this.readPort = pulumi.output(BAKED.port);
        const verified = args.tls !== undefined && spec.replicas.mode !== "sidecar";
        this.caCert = verified ? args.tls!.caCert : pulumi.output("");
        this.readConnectionSecret = connectionUri({
            scheme: "postgresql", username: BAKED.readerRole, password, host: this.readHost, port: this.readPort, database: spec.databaseName,
            params: verified ? "?sslmode=verify-full" : undefined,
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, imageRef: this.imageRef, readConnectionSecret: this.readConnectionSecret });
    }

    /** Builds the dump into an image and pushes it where the cluster can pull it; the tag is the dump's digest. */
    private bake(name: string, spec: DatabaseSpec, password: pulumi.Output<string>): pulumi.Output<string> {
        const { dump, repository } = spec.replicas;
        if (dump === undefined || repository === undefined) {
            throw new Error(`database "${spec.name}": baked replicas on Kubernetes need replicas.image, or replicas.dump together with replicas.repository (where the cluster pulls the baked image from).`);
        }
        return bakedReplicaImage(`${name}-image`, { spec, readerPassword: password, repository, push: {} }, { parent: this });
    }
}
