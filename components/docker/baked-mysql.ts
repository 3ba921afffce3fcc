import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BAKED_MYSQL } from "../bake/restore-mysql";
import { DatabaseSpec } from "../config/validate";
import { connectionUri } from "../contract";
import { readerPassword } from "../replicas/reader";
import { DatabaseTls } from "../tls";
import { secretUploads, tlsFiles } from "./secrets";
import { bakedReplicaLabels, dockerBakedImage, ReplicaEndpoint } from "./replica-args";
import { formerTypeAliases } from "../renames";

export interface DockerBakedMysqlReplicasArgs {
    /** Resolved spec of the master (engine mysql, replicas.kind baked). */
    readonly spec: DatabaseSpec;
    /** The database's docker network; replicas join it under the `<name>-ro` alias. */
    readonly network: pulumi.Input<string>;
    /** The master's password: the reader's password is derived from it, as for PostgreSQL. */
    readonly masterPassword: pulumi.Input<string>;
    /** The database's CA and certificate (naming `<name>-ro`), shared with the master; default: one of the replicas' own. */
    readonly tls?: DatabaseTls;
}

/**
 * Image-baked MySQL/MariaDB read replicas on the local engine: a mysqldump restored at build time, the
 * server started read-only (read_only, super_read_only where the server has it, innodb_read_only) with
 * external locking off, no volume. Same contract as the PostgreSQL replicas: a read connection string for
 * the SELECT-only reader, the bake labels, the staleness declaration and the dbplace_bake metadata table.
 * The replicas serve TLS only (require_secure_transport) with a certificate uploaded at run time.
 */
export class DockerBakedMysqlReplicas extends pulumi.ComponentResource implements ReplicaEndpoint {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly imageRef: pulumi.Output<string>;
    public readonly caCert: pulumi.Output<string>;
    public readonly containers: docker.Container[];

    constructor(name: string, args: DockerBakedMysqlReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:docker:BakedMysqlReplicas", name, {}, formerTypeAliases("dbplace:docker:BakedMysqlReplicas", opts));
        const { spec } = args;
        const parent = { parent: this };
        const password = readerPassword(args.masterPassword);
        this.imageRef = dockerBakedImage(`${name}-image`, spec, password, parent);
        const tls = args.tls ?? new DatabaseTls(`${name}-tls`, {
            commonName: `${pulumi.getStack()}/${spec.name}-ro`,
            subjectAltNames: ["127.0.0.1", "localhost", `${spec.name}-ro`],
        }, parent);
        this.caCert = tls.caCert;
        const labels = bakedReplicaLabels(spec);
        this.containers = Array.from({ length: spec.replicas.count }, (_, i) =>
            new docker.Container(`${name}-${i}`, {
                image: this.imageRef,
                // dbplace-start installs the uploaded certificate for mysql and drops root.
                user: "root",
                envs: ["DBPLACE_TLS=required"],
                uploads: secretUploads(tlsFiles(tls)),
                networksAdvanced: [{ name: args.network, aliases: [`${spec.name}-ro`] }],
                ports: [{ internal: BAKED_MYSQL.port, ip: "127.0.0.1" }],
                healthcheck: { tests: ["CMD", ...BAKED_MYSQL.readinessCommand(spec.databaseName)], interval: "1s", timeout: "3s", retries: 30 },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 60,
                labels,
            }, parent),
        );
        this.readHost = pulumi.output("127.0.0.1");
        this.readPort = this.containers[0].ports.apply((p) => p?.[0]?.external ?? BAKED_MYSQL.port);
        this.readConnectionSecret = connectionUri({
            scheme: "mysql",
            username: BAKED_MYSQL.readerRole,
            password,
            host: this.readHost,
            port: this.readPort,
            database: spec.databaseName,
            params: "?ssl-mode=REQUIRED",
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, imageRef: this.imageRef });
    }
}
