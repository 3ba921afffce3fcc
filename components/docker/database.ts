import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { scramVerifier, SECRET_FILES, START_SCRIPT_PATH } from "../bake";
import { ENGINE_PROFILES } from "../config/engines";
import { mebibytes } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { connectionUri, DatabaseContract, statefulOptions } from "../contract";
import { DockerBakedReplicas } from "./baked";
import { DockerBakedMysqlReplicas } from "./baked-mysql";
import { dockerLabels, dockerName } from "./labels";
import { DockerStreamingReplicas } from "./streaming";
import { masterHba, masterIdent, ROLES, rolesScript, VERIFIER_FILES } from "../security/postgres";
import { RUN_DIR } from "../bake";
import { DatabaseTls } from "../tls";
import { secretUploads, startScriptUpload, tlsFiles } from "./secrets";
import { mysqlMasterSettings } from "./mysql-master";
import { formerTypeAliases } from "../renames";

/** Query parameters of every PostgreSQL URI the placement hands out: TLS, and the server's name checked. */
export const VERIFY_FULL = "?sslmode=verify-full";
/** MySQL's equivalent (Connector/J, mysqlsh, the mysql client's --ssl-mode): TLS, the CA and the host name checked. */
export const MYSQL_VERIFY_IDENTITY = "?ssl-mode=VERIFY_IDENTITY";

export interface DockerDatabaseArgs {
    /** Resolved database spec (placement docker). */
    readonly spec: DatabaseSpec;
}

/**
 * A database on the local Docker engine: a dedicated network, a master container whose data lives on a
 * named (protected) volume, a healthcheck that runs a real query, ports published on 127.0.0.1 only,
 * generated passwords kept as secrets, and a Prometheus exporter.
 *
 * PostgreSQL runs least-privilege and TLS-only: the contract hands out the application role (owner of
 * its database, nothing more), the exporter logs in as a pg_monitor role, standbys as a replication role,
 * and the superuser only over the unix socket. Every network client must use TLS with SCRAM, from the
 * database's own docker network (where the host's published port arrives too).
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
    public readonly caCert: pulumi.Output<string>;
    public readonly placement = "docker" as const;
    public readonly engine: DatabaseSpec["engine"];
    public readonly networkName: pulumi.Output<string>;
    /** Metrics endpoint of the exporter, on 127.0.0.1. */
    public readonly metricsUrl: pulumi.Output<string>;

    constructor(name: string, args: DockerDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:docker:Database", name, {}, formerTypeAliases("dbplace:docker:Database", opts));
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
        const postgres = spec.engine === "postgres";
        const appPassword = postgres ? new random.RandomPassword(`${name}-app-password`, { length: 32, special: false }, parent).result : password.result;
        const monitorPassword = postgres ? new random.RandomPassword(`${name}-monitor-password`, { length: 32, special: false }, parent).result : password.result;
        // One CA per database for every server of it (master, replicas); MySQL's master serves TLS too.
        const databaseTls = new DatabaseTls(`${name}-tls`, {
            commonName: `${pulumi.getStack()}/${name}`,
            subjectAltNames: ["127.0.0.1", "localhost", masterAlias, `${spec.name}-ro`],
        }, parent);
        const tls = postgres ? databaseTls : undefined;
        // Clients are admitted from the database's own network only; the host's published port arrives
        // from its gateway, inside that subnet. `samenet` is the same set when the engine reports no subnet.
        const allowed = network.ipamConfigs.apply((c) => [c?.[0]?.subnet || "samenet"]);
        const authFiles: Record<string, pulumi.Input<string>> = {
            [SECRET_FILES.hba]: allowed.apply((a) => masterHba({ superuser: profile.username, database: spec.databaseName, allowed: a, replication: streaming })),
            [SECRET_FILES.ident]: masterIdent(profile.username),
        };
        const master = new docker.Container(`${name}-master`, {
            name: dockerName(name, "master"),
            image: image.imageId,
            ...(tls ? {
                // dbplace-start hands the uploaded secrets to postgres, then drops root before anything else runs.
                user: "root",
                entrypoints: [START_SCRIPT_PATH, "master"],
                envs: [
                    `${profile.env.user}=${profile.username}`,
                    `${profile.env.database}=${spec.databaseName}`,
                    `PGDATA=${profile.dataMountPath}/pgdata`,
                ],
                uploads: [startScriptUpload(), ...secretUploads({
                    ...tlsFiles(tls),
                    ...authFiles,
                    [SECRET_FILES.roles]: rolesScript({ database: spec.databaseName, replication: streaming }, RUN_DIR),
                    [SECRET_FILES.superuserPassword]: password.result,
                    [VERIFIER_FILES.app]: pulumi.output(appPassword).apply((p) => scramVerifier(p)),
                    [VERIFIER_FILES.monitor]: pulumi.output(monitorPassword).apply((p) => scramVerifier(p)),
                    ...(replicationPassword ? { [VERIFIER_FILES.replication]: replicationPassword.apply((p) => scramVerifier(p)) } : {}),
                })],
                healthcheck: { tests: ["CMD", START_SCRIPT_PATH, "probe", spec.databaseName], interval: "2s", timeout: "5s", retries: 30, startPeriod: "5s" },
            } : mysqlMasterSettings({ spec, password: password.result, tls: databaseTls })),
            volumes: [{ volumeName: volume.name, containerPath: profile.dataMountPath }],
            networksAdvanced: [{ name: network.name, aliases: [masterAlias] }],
            ports: [{ internal: profile.port, ip: "127.0.0.1" }],
            memory: mebibytes(spec.preset.kind === "container" ? spec.preset.memoryLimit : "1Gi"),
            // No swap on top of the limit (a swapping database is a slow one), and stated, so the engine's
            // default (twice the limit) does not read back as a diff on every preview.
            memorySwap: mebibytes(spec.preset.kind === "container" ? spec.preset.memoryLimit : "1Gi"),
            restart: "unless-stopped",
            wait: true,
            waitTimeout: 120,
            labels: dockerLabels(name, "master"),
        }, { ...parent, deleteBeforeReplace: true });

        const monitorFile = "/etc/dbplace/monitor.pass";
        const caFile = "/etc/dbplace/ca.crt";
        const exporter = new docker.Container(`${name}-exporter`, {
            name: dockerName(name, "exporter"),
            image: spec.exporterImage,
            envs: tls ? [
                // The password comes from a file; the URI carries none.
                `DATA_SOURCE_URI=${masterAlias}:${profile.port}/${spec.databaseName}?sslmode=verify-full&sslrootcert=${caFile}`,
                `DATA_SOURCE_USER=${ROLES.monitor}`,
                `DATA_SOURCE_PASS_FILE=${monitorFile}`,
            ] : [
                pulumi.secret(pulumi.interpolate`DATA_SOURCE_NAME=${connectionUri({
                    scheme: profile.scheme,
                    username: profile.username,
                    password: password.result,
                    host: masterAlias,
                    port: profile.port,
                    database: spec.databaseName,
                })}`),
            ],
            uploads: tls ? [
                { file: caFile, content: tls.caCert },
                { file: monitorFile, content: pulumi.secret(monitorPassword) },
            ] : [],
            networksAdvanced: [{ name: network.name }],
            ports: [{ internal: profile.exporterPort, ip: "127.0.0.1" }],
            restart: "unless-stopped",
            labels: dockerLabels(name, "exporter"),
        }, { ...parent, dependsOn: [master] });

        this.host = pulumi.output("127.0.0.1");
        this.port = master.ports.apply((p) => p?.[0]?.external ?? profile.port);
        this.database = pulumi.output(spec.databaseName);
        this.username = pulumi.output(postgres ? ROLES.app : profile.username);
        this.caCert = databaseTls.caCert;
        this.metricsUrl = pulumi.interpolate`http://127.0.0.1:${exporter.ports.apply((p) => p?.[0]?.external)}/metrics`;
        this.connectionSecret = connectionUri({
            scheme: profile.scheme,
            username: this.username,
            password: appPassword,
            host: this.host,
            port: this.port,
            database: spec.databaseName,
            // Both engines serve the database's certificate (127.0.0.1 among its names): clients verify it with caCert.
            params: postgres ? VERIFY_FULL : MYSQL_VERIFY_IDENTITY,
        });

        const replicaArgs = tls && { spec, network: network.name, masterAlias, masterPassword: password.result, replicationPassword, master, appPassword, tls, authFiles };
        const replicas =
            spec.engine === "mysql" && spec.replicas.kind === "baked"
                ? new DockerBakedMysqlReplicas(`${name}-baked`, { spec, network: network.name, masterPassword: password.result, tls: databaseTls }, parent)
            : !replicaArgs ? undefined
            : spec.replicas.kind === "baked" ? new DockerBakedReplicas(`${name}-baked`, replicaArgs, parent)
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
            caCert: this.caCert,
            metricsUrl: this.metricsUrl,
        });
    }
}
