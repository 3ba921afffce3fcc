import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_PROFILES } from "../config/engines";
import { DatabaseSpec } from "../config/validate";
import { connectionUri } from "../contract";
import { ROLES } from "../security/postgres";
import { DatabaseTls } from "../tls";
import { meta, objectLabels, objectNames, selectorLabels, serviceHost } from "./labels";
import { admitPolicy } from "./network";
import { ImageUser, podUser } from "./pod";
import { CONFIG_DIGEST_ANNOTATION, filesDigest, standbyFiles } from "./security";
import { dataClaimTemplate, postgresSettings, resizeClaims, serverPodSpec, spreadAffinity, STABLE_CLAIM_TEMPLATE, standbyScript } from "./server";
import { formerTypeAliases } from "../renames";

export interface ClusterStreamingReplicasArgs {
    /** Resolved spec of the primary (postgres). */
    readonly spec: DatabaseSpec;
    /** Namespace of the primary (required: standbys live next to it). */
    readonly namespace: pulumi.Input<string>;
    /** Provider of the primary's cluster (required: standbys must run where the primary runs). */
    readonly provider: k8s.Provider;
    /** The primary's credentials Secret. */
    readonly secret: pulumi.Input<string>;
    /** The database's CA; its main certificate names the `-ro` Service and loopback, what the standbys serve. */
    readonly tls: DatabaseTls;
    /** The replication role's password: a pgpass file in the standbys' Secret. */
    readonly replicationPassword: pulumi.Input<string>;
    /** The application role's password: readers use the primary's roles on the standbys. */
    readonly appPassword: pulumi.Input<string>;
    /** ConfigMap with dbplace-start (its probe). */
    readonly startConfigMap: pulumi.Input<string>;
    /** The exporter's Secret (monitor role, CA). */
    readonly exporterSecret: pulumi.Input<string>;
    /** The primary's StatefulSet: standbys are created once it is ready, so their first clone succeeds. */
    readonly primary: pulumi.Resource;
    /** DNS name of the primary's read-write Service. */
    readonly primaryHost: pulumi.Input<string>;
    /** The image's postgres user. Default: {@link podUser}. */
    readonly user?: ImageUser;
    /** The database's ServiceAccount. Default: the namespace's default account. */
    readonly serviceAccountName?: pulumi.Input<string>;
    /** ConfigMap with the exporter's replication queries (the primary's). Default: none, so no lag metrics. */
    readonly queriesConfigMap?: pulumi.Input<string>;
}

/**
 * Streaming standbys for reads that cannot wait for the next bake: each pod clones the primary with
 * pg_basebackup and then follows its WAL, as the replication role over verified TLS; readers use the
 * application role over verified TLS too. Their volumes are copies, so they are deleted with the pods
 * (a lost standby re-clones); the lag metric comes from each standby's own exporter.
 */
export class ClusterStreamingReplicas extends pulumi.ComponentResource {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;

    constructor(name: string, args: ClusterStreamingReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:cluster:StreamingReplicas", name, {}, formerTypeAliases("dbplace:cluster:StreamingReplicas", opts));
        const { spec, namespace } = args;
        const profile = ENGINE_PROFILES[spec.engine];
        const child = { parent: this, provider: args.provider };
        const names = objectNames(spec);
        const setName = names.standbys;

        const files = standbyFiles(spec, args.tls, args.replicationPassword);
        const secret = new k8s.core.v1.Secret(`${name}-server-secret`, {
            metadata: meta(spec, namespace, names.standbySecret, "streaming-replica"),
            type: "Opaque",
            stringData: pulumi.secret(files),
        }, child);

        const service = new k8s.core.v1.Service(`${name}-ro`, {
            metadata: meta(spec, namespace, names.readOnly, "streaming-replica"),
            spec: {
                type: "ClusterIP",
                selector: selectorLabels(spec, "streaming-replica"),
                ports: [
                    { name: "db", port: profile.port, targetPort: "db", protocol: "TCP" },
                    { name: "metrics", port: profile.exporterPort, targetPort: "metrics", protocol: "TCP" },
                ],
            },
        }, child);

        this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}-standbys`, {
            metadata: meta(spec, namespace, setName, "streaming-replica"),
            spec: {
                serviceName: service.metadata.name,
                replicas: spec.replicas.count,
                podManagementPolicy: "Parallel",
                selector: { matchLabels: selectorLabels(spec, "streaming-replica") },
                updateStrategy: { type: "RollingUpdate" },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Delete" },
                volumeClaimTemplates: [dataClaimTemplate(spec, "streaming-replica")],
                template: {
                    metadata: { labels: objectLabels(spec, "streaming-replica"), annotations: { [CONFIG_DIGEST_ANNOTATION]: filesDigest(files) } },
                    spec: serverPodSpec({
                        spec,
                        secret: args.secret,
                        postgres: { serverSecret: secret.metadata.name, startConfigMap: args.startConfigMap, exporterSecret: args.exporterSecret },
                        user: args.user ?? podUser(spec),
                        serviceAccountName: args.serviceAccountName,
                        queriesConfigMap: args.queriesConfigMap,
                        script: pulumi.output(args.primaryHost).apply((host) => standbyScript(host, postgresSettings(spec))),
                        affinity: spreadAffinity(spec, "streaming-replica", false),
                    }),
                },
            },
        }, { ...child, dependsOn: [args.primary], ignoreChanges: STABLE_CLAIM_TEMPLATE });
        resizeClaims(`${name}-data`, { spec, namespace, statefulSetName: setName, count: spec.replicas.count, statefulSet: this.statefulSet }, child);

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: meta(spec, namespace, setName, "streaming-replica"),
            spec: { maxUnavailable: 1, selector: { matchLabels: selectorLabels(spec, "streaming-replica") } },
        }, child);

        admitPolicy(`${name}-netpol`, {
            spec, namespace, policyName: setName, component: "streaming-replica", port: profile.port, metricsPort: profile.exporterPort,
        }, child);

        this.readHost = serviceHost(service.metadata.name, namespace);
        this.readPort = pulumi.output(profile.port);
        this.readConnectionSecret = connectionUri({
            scheme: profile.scheme, username: ROLES.app, password: args.appPassword, host: this.readHost, port: this.readPort, database: spec.databaseName,
            params: "?sslmode=verify-full",
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, readConnectionSecret: this.readConnectionSecret });
    }
}
