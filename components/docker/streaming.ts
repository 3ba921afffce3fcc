import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_PROFILES } from "../config/engines";
import { connectionUri } from "../contract";
import { DockerReplicaArgs, ReplicaEndpoint } from "./replica-args";
import { dockerLabels } from "./labels";
import { SECRET_FILES, START_SCRIPT_PATH } from "../bake";
import { replicationPgpass, ROLES } from "../security/postgres";
import { secretUploads, startScriptUpload, tlsFiles } from "./secrets";
import { formerTypeAliases } from "../renames";

/** Name of the replication role (kept for code that imported it from here). */
export const REPLICATION_USER = ROLES.replication;

/**
 * Streaming standbys for workloads that cannot tolerate bake-interval staleness: each container clones
 * the master once with pg_basebackup as the replication role, over TLS with the master's name verified,
 * then follows its WAL on that same connection. They carry the master's roles, so reads use the
 * application role. Replication lag is exported by the master's exporter (pg_stat_replication).
 */
export class DockerStreamingReplicas extends pulumi.ComponentResource implements ReplicaEndpoint {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly containers: docker.Container[];

    constructor(name: string, args: DockerReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:docker:StreamingReplicas", name, {}, formerTypeAliases("dbplace:docker:StreamingReplicas", opts));
        const { spec } = args;
        const profile = ENGINE_PROFILES[spec.engine];
        if (!args.replicationPassword) throw new Error(`${name}: streaming replicas need the master's replicationPassword.`);
        const pgpass = pulumi.output(args.replicationPassword).apply(replicationPgpass);

        this.containers = Array.from({ length: spec.replicas.count }, (_, i) =>
            new docker.Container(`${name}-${i}`, {
                image: spec.image,
                // dbplace-start installs the uploaded secrets for postgres and drops root at once.
                user: "root",
                entrypoints: [START_SCRIPT_PATH, "standby"],
                envs: [`POSTGRES_USER=${profile.username}`, `DBPLACE_PRIMARY=${args.masterAlias}`, `DBPLACE_REPLICATION_USER=${ROLES.replication}`],
                uploads: [startScriptUpload(), ...secretUploads({ ...tlsFiles(args.tls), ...args.authFiles, [SECRET_FILES.replicationPgpass]: pgpass })],
                networksAdvanced: [{ name: args.network, aliases: [`${spec.name}-ro`] }],
                ports: [{ internal: profile.port, ip: "127.0.0.1" }],
                healthcheck: {
                    tests: ["CMD", START_SCRIPT_PATH, "probe", spec.databaseName],
                    interval: "2s",
                    timeout: "5s",
                    retries: 60,
                    startPeriod: "5s",
                },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 300,
                labels: dockerLabels(spec.name, "streaming-replica"),
            }, { parent: this, dependsOn: [args.master] }),
        );

        this.readHost = pulumi.output("127.0.0.1");
        this.readPort = this.containers[0].ports.apply((p) => p?.[0]?.external ?? profile.port);
        this.readConnectionSecret = connectionUri({
            scheme: profile.scheme,
            username: ROLES.app,
            password: args.appPassword,
            host: this.readHost,
            port: this.readPort,
            database: spec.databaseName,
            params: "?sslmode=verify-full",
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort });
    }
}
