import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENGINE_PROFILES } from "../config/engines";
import { ConfigError } from "../config/errors";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract, statefulOptions } from "../contract";
import { readerPassword } from "../replicas/reader";
import { START_SCRIPT } from "../bake";
import { ROLES } from "../security/postgres";
import { DatabaseTls } from "../tls";
import { ClusterBakedReplicas } from "./baked";
import { dumpResources } from "./dump";
import { meta, namespaceLabels, objectLabels, objectNames, selectorLabels, serviceHost } from "./labels";
import { databaseAlerts, monitoring } from "./monitoring";
import { admitPolicy } from "./network";
import { serviceAccounts } from "./identity";
import { containerPreset, exporterQueriesData, ImageUser, podUser, REPLICATION_QUERIES } from "./pod";
import { clusterProvider } from "./provider";
import { CONFIG_DIGEST_ANNOTATION, exporterFiles, filesDigest, primaryNames, readOnlyNames, serverFiles, START_KEY } from "./security";
import {
    dataClaimTemplate, highAvailabilityScript, PostgresPodFiles, resizeClaims, SECRET_KEYS, serverPodSpec, spreadAffinity, STABLE_CLAIM_TEMPLATE,
} from "./server";
import { ClusterStreamingReplicas } from "./streaming";
import { formerTypeAliases } from "../renames";

export interface ClusterDatabaseArgs {
    /** Resolved database spec (placement cluster, on any cloud). */
    readonly spec: DatabaseSpec;
    /** Provider of the target cluster (aws/gcp pass their EKS/GKE one). Default: `${name}-k8s` from cluster.kubeconfig/context, else the ambient kubeconfig. */
    readonly provider?: k8s.Provider;
    /** User and group the engine image runs as. Default: cluster.runAsUser / runAsGroup, else the image's server user (see `imageUser`). */
    readonly user?: ImageUser;
}

/**
 * A database inside any Kubernetes cluster: a StatefulSet primary (plus a hot standby with
 * highAvailability) on a retained, protected claim; ClusterIP Services only; a NetworkPolicy that admits
 * the configured clients; a dump CronJob feeding backups and the bake loop; Prometheus Operator objects
 * when the stack has the CRDs; and baked or streaming read replicas.
 */
export class ClusterDatabase extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "cluster" as const;
    public readonly engine: DatabaseSpec["engine"];
    public readonly provider: k8s.Provider;
    public readonly namespace: pulumi.Output<string>;
    /** Name of the Secret with username, password and uri, for workloads in the namespace. */
    public readonly credentialsSecretName: pulumi.Output<string>;
    public readonly statefulSet: k8s.apps.v1.StatefulSet;
    public readonly replicas?: ClusterBakedReplicas | ClusterStreamingReplicas;

    constructor(name: string, args: ClusterDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        assertSupported(args.spec);
        super("dbplace:cluster:Database", name, {}, formerTypeAliases("dbplace:cluster:Database", opts));
        const { spec } = args;
        const profile = ENGINE_PROFILES[spec.engine];
        const names = objectNames(spec);
        const user = args.user ?? podUser(spec);
        const ha = spec.highAvailability;
        this.engine = spec.engine;
        this.provider = args.provider ?? clusterProvider(name, spec, this);
        const child = { parent: this, provider: this.provider };
        // Deleting a Namespace deletes its claims, so one we created is as precious as the data itself.
        const stateful = statefulOptions(spec, child);

        this.namespace = spec.cluster.createNamespace
            ? new k8s.core.v1.Namespace(`${name}-ns`, {
                metadata: { name: spec.cluster.namespace, labels: namespaceLabels(spec) },
            }, stateful).metadata.name
            : pulumi.output(spec.cluster.namespace);
        const namespace = this.namespace;

        // Protected too: the data directory keeps the password it was initialised with.
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, statefulOptions(spec, { parent: this }));
        const postgres = spec.engine === "postgres";
        // Kept for every postgres (it predates the roles script); the role may log in only while the database has standbys.
        const replicationPassword = postgres
            ? new random.RandomPassword(`${name}-replication-password`, { length: 32, special: false }, statefulOptions(spec, { parent: this }))
            : undefined;
        // postgres: the contract's role and the exporter's; the roles script sets them on every start, so new ones take effect on a restart.
        const appPassword = postgres ? new random.RandomPassword(`${name}-app-password`, { length: 32, special: false }, { parent: this }).result : password.result;
        const monitorPassword = postgres ? new random.RandomPassword(`${name}-monitor-password`, { length: 32, special: false }, { parent: this }).result : undefined;
        const streaming = spec.replicas.kind === "streaming";
        const bakedService = spec.replicas.kind === "baked" && spec.replicas.mode === "service";
        // One CA per database (the contract's caCert); the primary and the `-ro` servers each get their own key.
        const tls = postgres ? new DatabaseTls(`${name}-tls`, {
            commonName: `${pulumi.getStack()}/${spec.name}`,
            subjectAltNames: readOnlyNames(spec, streaming),
            servers: { primary: primaryNames(spec) },
        }, { parent: this }) : undefined;

        const headless = new k8s.core.v1.Service(`${name}-headless`, {
            metadata: meta(spec, namespace, names.headless, "server"),
            spec: {
                clusterIP: "None",
                // A standby must resolve the primary's pod name while it is itself not ready.
                publishNotReadyAddresses: true,
                selector: selectorLabels(spec, "server"),
                ports: [
                    { name: "db", port: profile.port, targetPort: "db", protocol: "TCP" },
                    { name: "metrics", port: profile.exporterPort, targetPort: "metrics", protocol: "TCP" },
                ],
            },
        }, child);
        const readWrite = new k8s.core.v1.Service(`${name}-rw`, {
            metadata: meta(spec, namespace, names.readWrite, "server"),
            spec: {
                type: "ClusterIP",
                // Ordinal 0 is the primary; with highAvailability ordinal 1 is a standby that must not take writes.
                selector: { ...selectorLabels(spec, "server"), "statefulset.kubernetes.io/pod-name": `${names.statefulSet}-0` },
                ports: [{ name: "db", port: profile.port, targetPort: "db", protocol: "TCP" }],
            },
        }, child);

        this.host = serviceHost(readWrite.metadata.name, namespace);
        this.port = pulumi.output(profile.port);
        this.database = pulumi.output(spec.databaseName);
        this.username = pulumi.output(postgres ? ROLES.app : profile.username);
        this.connectionSecret = connectionUri({
            scheme: profile.scheme, username: this.username, password: appPassword, host: this.host, port: this.port, database: spec.databaseName,
            params: postgres ? "?sslmode=verify-full" : undefined,
        });

        const secret = new k8s.core.v1.Secret(`${name}-credentials`, {
            metadata: meta(spec, namespace, names.credentials, "server"),
            type: "Opaque",
            stringData: pulumi.secret({
                [SECRET_KEYS.username]: this.username,
                [SECRET_KEYS.password]: appPassword,
                [SECRET_KEYS.uri]: this.connectionSecret,
                ...(tls ? { [SECRET_KEYS.caCert]: tls.caCert } : {}),
            }),
        }, child);
        this.credentialsSecretName = secret.metadata.name;

        const replicated = ha || streaming;
        const files = tls && serverFiles({
            spec, cert: tls.servers.primary, superuserPassword: password.result, appPassword, monitorPassword: monitorPassword!,
            replicationPassword: replicated ? replicationPassword!.result : undefined,
        });
        const pg: PostgresPodFiles | undefined = tls && files ? {
            // dbplace-start holds no secret; the engine images do not carry it.
            startConfigMap: new k8s.core.v1.ConfigMap(`${name}-init`, {
                metadata: meta(spec, namespace, names.init, "server"),
                data: { [START_KEY]: START_SCRIPT },
            }, child).metadata.name,
            serverSecret: new k8s.core.v1.Secret(`${name}-server-secret`, {
                metadata: meta(spec, namespace, names.serverSecret, "server"),
                type: "Opaque",
                stringData: pulumi.secret(files),
            }, child).metadata.name,
            exporterSecret: new k8s.core.v1.Secret(`${name}-monitor`, {
                metadata: meta(spec, namespace, names.monitorSecret, "server"),
                type: "Opaque",
                stringData: pulumi.secret(exporterFiles(tls, monitorPassword!)),
            }, child).metadata.name,
        } : undefined;

        const queries = spec.engine === "postgres"
            ? new k8s.core.v1.ConfigMap(`${name}-exporter-queries`, {
                metadata: meta(spec, namespace, names.exporterQueries, "server"),
                data: exporterQueriesData(REPLICATION_QUERIES),
            }, child)
            : undefined;

        const accounts = serviceAccounts(name, spec, namespace, child);
        const replicas = ha ? 2 : 1;
        this.statefulSet = new k8s.apps.v1.StatefulSet(`${name}-server`, {
            metadata: meta(spec, namespace, names.statefulSet, "server"),
            spec: {
                serviceName: headless.metadata.name,
                replicas,
                // The primary (ordinal 0) must be up before a standby clones it.
                podManagementPolicy: "OrderedReady",
                selector: { matchLabels: selectorLabels(spec, "server") },
                updateStrategy: { type: "RollingUpdate" },
                // Deleting or scaling the StatefulSet never deletes the data claims.
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                volumeClaimTemplates: [dataClaimTemplate(spec, "server")],
                template: {
                    metadata: { labels: objectLabels(spec, "server"), annotations: files ? { [CONFIG_DIGEST_ANNOTATION]: filesDigest(files) } : undefined },
                    spec: serverPodSpec({
                        spec,
                        secret: secret.metadata.name,
                        postgres: pg,
                        queriesConfigMap: queries?.metadata.name,
                        user,
                        serviceAccountName: accounts.server.metadata.name,
                        script: ha ? highAvailabilityScript(spec, `${names.statefulSet}-0.${names.headless}`) : undefined,
                        affinity: ha ? spreadAffinity(spec, "server", spec.cluster.requireSeparateNodes) : undefined,
                    }),
                },
            },
        }, { ...stateful, ignoreChanges: STABLE_CLAIM_TEMPLATE });
        resizeClaims(`${name}-data`, { spec, namespace, statefulSetName: names.statefulSet, count: replicas, statefulSet: this.statefulSet }, child);

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
            metadata: meta(spec, namespace, names.statefulSet, "server"),
            // minAvailable 1 over a single pod can never be met, so every `kubectl drain` of its node would
            // hang until someone deletes the budget. A lone primary allows its eviction (it restarts on its
            // claim elsewhere); with a standby, one of the two always stays up.
            spec: { ...(ha ? { minAvailable: 1 } : { maxUnavailable: 1 }), selector: { matchLabels: selectorLabels(spec, "server") } },
        }, child);

        admitPolicy(`${name}-netpol`, {
            spec, namespace, policyName: names.statefulSet, component: "server", port: profile.port, metricsPort: profile.exporterPort,
        }, child);

        dumpResources(name, {
            spec, namespace, secret: secret.metadata.name, host: readWrite.metadata.name, port: profile.port, user, serviceAccountName: accounts.dump.metadata.name,
        }, child);

        if (spec.replicas.kind === "baked") {
            // The `-ro` certificate (the CA's own), verified by clients with sslmode=verify-full; sidecars listen on loopback only.
            this.replicas = new ClusterBakedReplicas(`${name}-baked`, {
                spec, namespace, provider: this.provider, readerPassword: readerPassword(password.result), serviceAccountName: accounts.server.metadata.name,
                tls: bakedService ? tls : undefined,
                primary: { host: readWrite.metadata.name, port: profile.port, secret: secret.metadata.name, resource: this.statefulSet },
            }, { parent: this });
        } else if (streaming && tls && pg) {
            this.replicas = new ClusterStreamingReplicas(`${name}-streaming`, {
                spec, namespace, provider: this.provider, secret: secret.metadata.name, primary: this.statefulSet, primaryHost: this.host, user, serviceAccountName: accounts.server.metadata.name,
                queriesConfigMap: queries?.metadata.name, appPassword, replicationPassword: replicationPassword!.result, tls,
                startConfigMap: pg.startConfigMap, exporterSecret: pg.exporterSecret,
            }, { parent: this });
        }

        if (spec.cluster.prometheusOperator) {
            monitoring(name, {
                spec, namespace, objectName: spec.name, component: "server", scrape: ["server", "streaming-replica"],
                alerts: (ns) => databaseAlerts(spec, ns, { statefulSet: names.statefulSet, standbySet: streaming ? names.standbys : undefined, replicated: ha || streaming }),
            }, child);
        }

        this.readHost = this.replicas ? this.replicas.readHost : this.host;
        this.readPort = this.replicas ? this.replicas.readPort : this.port;
        this.readConnectionSecret = this.replicas ? this.replicas.readConnectionSecret : this.connectionSecret;
        this.caCert = tls ? tls.caCert : pulumi.output("");
        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            namespace: this.namespace,
            connectionSecret: this.connectionSecret,
            readConnectionSecret: this.readConnectionSecret,
            caCert: this.caCert,
        });
    }
}

/** Rules only this placement knows; checked before the component registers anything. */
function assertSupported(spec: DatabaseSpec): void {
    if (spec.highAvailability && spec.engine !== "postgres") {
        throw new ConfigError([
            `database "${spec.name}": highAvailability is true, but placement "cluster" builds its standby with postgres streaming replication; engine "${spec.engine}" needs placement managed for high availability, or set highAvailability to false.`,
        ]);
    }
    containerPreset(spec);
}
