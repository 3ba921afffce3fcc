import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ENGINE_PROFILES } from "../config/engines";
import { mebibytes } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract, statefulOptions } from "../contract";
import { DockerBakedReplicas } from "./baked";
import { dockerLabels, dockerName } from "./labels";
import { DockerStreamingReplicas } from "./streaming";

export interface DockerDatabaseArgs {
    /** Resolved database spec (placement docker). */
    readonly spec: DatabaseSpec;
}

/**
 * A database on the local Docker engine: a dedicated network, a master container whose data lives on a
 * named (protected) volume, a healthcheck that runs a real query, ports published on 127.0.0.1 only, a
 * generated password kept as a secret, and a Prometheus exporter.
 */
export class DockerDatabase extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly placement = "docker" as const;
    public readonly engine: DatabaseSpec["engine"];
    public readonly networkName: pulumi.Output<string>;
    /** Metrics endpoint of the exporter, on 127.0.0.1. */
    public readonly metricsUrl: pulumi.Output<string>;

    constructor(name: string, args: DockerDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:docker:DockerDatabase", name, {}, opts);
        const { spec } = args;
        const profile = ENGINE_PROFILES[spec.engine];
        this.engine = spec.engine;
        const parent = { parent: this };

        const network = new docker.Network(`${name}-net`, {
            name: dockerName(name),
            driver: "bridge",
            labels: dockerLabels(name, "network"),
        }, parent);
        this.networkName = network.name;

        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, parent);
        const image = new docker.RemoteImage(`${name}-engine-image`, { name: spec.image, keepLocally: true }, parent);
        const volume = new docker.Volume(`${name}-data`, {
            name: dockerName(name, "data"),
            labels: dockerLabels(name, "data"),
        }, statefulOptions(spec, parent));

        const masterAlias = `${name}-master`;
        const streaming = spec.replicas.kind === "streaming";
        const replicationPassword = streaming
            ? new random.RandomPassword(`${name}-replication-password`, { length: 32, special: false }, parent).result
            : undefined;
        const env = pulumi.secret(pulumi.interpolate`${profile.env.password}=${password.result}`);
        const master = new docker.Container(`${name}-master`, {
            name: dockerName(name, "master"),
            image: image.imageId,
            envs: [
                env,
                ...(profile.env.user ? [`${profile.env.user}=${profile.username}`] : []),
                `${profile.env.database}=${spec.databaseName}`,
                ...Object.entries(profile.fixedEnv).map(([k, v]) => `${k}=${v}`),
                ...(spec.engine === "postgres" ? [`PGDATA=${profile.dataMountPath}/pgdata`] : []),
                ...(replicationPassword ? [pulumi.secret(pulumi.interpolate`REPLICATION_PASSWORD=${replicationPassword}`)] : []),
            ],
            volumes: [{ volumeName: volume.name, containerPath: profile.dataMountPath }],
            networksAdvanced: [{ name: network.name, aliases: [masterAlias] }],
            ports: [{ internal: profile.port, ip: "127.0.0.1" }],
            memory: mebibytes(spec.preset.kind === "container" ? spec.preset.memoryLimit : "1Gi"),
            // No swap on top of the limit (a swapping database is a slow one), and stated, so the engine's
            // default (twice the limit) does not read back as a diff on every preview.
            memorySwap: mebibytes(spec.preset.kind === "container" ? spec.preset.memoryLimit : "1Gi"),
            healthcheck: {
                tests: ["CMD-SHELL", profile.readyShell(spec.databaseName)],
                interval: "2s",
                timeout: "5s",
                retries: 30,
                startPeriod: "5s",
            },
            uploads: streaming ? [DockerStreamingReplicas.masterInitUpload()] : [],
            restart: "unless-stopped",
            wait: true,
            waitTimeout: 120,
            labels: dockerLabels(name, "master"),
        }, { ...parent, deleteBeforeReplace: true });

        const exporter = new docker.Container(`${name}-exporter`, {
            name: dockerName(name, "exporter"),
            image: spec.exporterImage,
            envs: [
                pulumi.secret(pulumi.interpolate`DATA_SOURCE_NAME=${connectionUri({
                    scheme: profile.scheme,
                    username: profile.username,
                    password: password.result,
                    host: masterAlias,
                    port: profile.port,
                    database: spec.databaseName,
                    params: "?sslmode=disable",
                })}`),
            ],
            networksAdvanced: [{ name: network.name }],
            ports: [{ internal: profile.exporterPort, ip: "127.0.0.1" }],
            restart: "unless-stopped",
            labels: dockerLabels(name, "exporter"),
        }, { ...parent, dependsOn: [master] });

        this.host = pulumi.output("127.0.0.1");
        this.port = master.ports.apply((p) => p?.[0]?.external ?? profile.port);
        this.database = pulumi.output(spec.databaseName);
        this.username = pulumi.output(profile.username);
        this.metricsUrl = pulumi.interpolate`http://127.0.0.1:${exporter.ports.apply((p) => p?.[0]?.external)}/metrics`;
        this.connectionSecret = connectionUri({
            scheme: profile.scheme,
            username: profile.username,
            password: password.result,
            host: this.host,
            port: this.port,
            database: spec.databaseName,
        });

        const replicaArgs = { spec, network: network.name, masterAlias, masterPassword: password.result, replicationPassword, master };
        const replicas =
            spec.replicas.kind === "baked" ? new DockerBakedReplicas(`${name}-baked`, replicaArgs, parent)
            : streaming ? new DockerStreamingReplicas(`${name}-streaming`, replicaArgs, parent)
            : undefined;
        this.readHost = replicas ? replicas.readHost : this.host;
        this.readPort = replicas ? replicas.readPort : this.port;
        this.readConnectionSecret = replicas ? replicas.readConnectionSecret : this.connectionSecret;

        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            connectionSecret: this.connectionSecret,
            metricsUrl: this.metricsUrl,
        });
    }
}
