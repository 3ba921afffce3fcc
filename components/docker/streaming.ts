import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ENGINE_PROFILES } from "../config/engines";
import { connectionUri } from "../contract";
import { DockerReplicaArgs, ReplicaEndpoint } from "./replica-args";
import { dockerLabels } from "./labels";

/** Outside the image's declared VOLUME: a standby is disposable and re-bootstraps from the master. */
const STANDBY_PGDATA = "/var/lib/postgresql/standby";
export const REPLICATION_USER = "replicator";

/**
 * Streaming standbys for workloads that cannot tolerate bake-interval staleness: each container
 * bootstraps with pg_basebackup from the master, then follows its WAL. Replication lag is exported by
 * the master's exporter (pg_stat_replication).
 */
export class DockerStreamingReplicas extends pulumi.ComponentResource implements ReplicaEndpoint {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly containers: docker.Container[];

    /** Init script for the master: the replication role and its pg_hba line (first start of the data volume only). */
    static masterInitUpload(): { file: string; content: string } {
        return {
            file: "/docker-entrypoint-initdb.d/10-dbplace-replication.sh",
            content: [
                "#!/bin/bash",
                "set -euo pipefail",
                `psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "CREATE ROLE ${REPLICATION_USER} WITH REPLICATION LOGIN PASSWORD '$REPLICATION_PASSWORD'"`,
                `echo "host replication ${REPLICATION_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"`,
                "",
            ].join("\n"),
        };
    }

    constructor(name: string, args: DockerReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:docker:DockerStreamingReplicas", name, {}, opts);
        const { spec } = args;
        const profile = ENGINE_PROFILES[spec.engine];
        const bootstrap = [
            "set -eu",
            `export PGDATA=${STANDBY_PGDATA}`,
            'if [ ! -s "$PGDATA/PG_VERSION" ]; then',
            `  until PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h ${args.masterAlias} -U ${REPLICATION_USER} -D "$PGDATA" -R -X stream -c fast; do`,
            '    echo "waiting for the master"; rm -rf "$PGDATA"; sleep 1',
            "  done",
            "fi",
            'exec postgres -D "$PGDATA" -c hot_standby=on',
        ].join("\n");

        this.containers = Array.from({ length: spec.replicas.count }, (_, i) =>
            new docker.Container(`${name}-${i}`, {
                image: spec.image,
                user: "postgres",
                entrypoints: ["bash", "-c", bootstrap],
                envs: [
                    pulumi.secret(pulumi.interpolate`REPLICATION_PASSWORD=${args.replicationPassword}`),
                    `POSTGRES_USER=${profile.username}`,
                ],
                networksAdvanced: [{ name: args.network, aliases: [`${spec.name}-ro`] }],
                ports: [{ internal: profile.port, ip: "127.0.0.1" }],
                healthcheck: {
                    tests: ["CMD-SHELL", profile.readyShell(spec.databaseName)],
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
            username: profile.username,
            password: args.masterPassword,
            host: this.readHost,
            port: this.readPort,
            database: spec.databaseName,
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort });
    }
}
