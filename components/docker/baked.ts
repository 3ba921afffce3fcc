import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BAKED, SECRET_FILES } from "../bake";
import { secretUploads } from "./secrets";
import { connectionUri } from "../contract";
import { readerPassword } from "../replicas/reader";
import { bakedReplicaLabels, dockerBakedImage, DockerReplicaArgs, ReplicaEndpoint } from "./replica-args";
import { formerTypeAliases } from "../renames";

/**
 * Image-baked read replicas on the local engine: the dump is restored at build time into the image, so
 * each replica is a volume-less container that answers within a second. A new dump means a new image
 * tag, which replaces the containers; Pulumi creates each new container (and waits for it to be healthy)
 * before deleting the old one, so reads never drop below `count` healthy replicas during a roll.
 * The certificate is uploaded into each container, not baked: rotating it replaces containers, not images.
 */
export class DockerBakedReplicas extends pulumi.ComponentResource implements ReplicaEndpoint {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    /** The image the replicas run (tag = dump digest when baked by the stack). */
    public readonly imageRef: pulumi.Output<string>;
    public readonly containers: docker.Container[];

    constructor(name: string, args: DockerReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:docker:BakedReplicas", name, {}, formerTypeAliases("dbplace:docker:BakedReplicas", opts));
        const { spec } = args;
        const parent = { parent: this };
        const password = readerPassword(args.masterPassword);

        // Without a dump or an image, the first bake is of the empty database the master starts as;
        // `npm run rebake -- --stack <stack> --from-master <master>` then bakes the master's own dumps.
        this.imageRef = dockerBakedImage(`${name}-image`, spec, password, parent);

        const labels = bakedReplicaLabels(spec);
        this.containers = Array.from({ length: spec.replicas.count }, (_, i) =>
            new docker.Container(`${name}-${i}`, {
                image: this.imageRef,
                // The image's dbplace-start installs the uploaded certificate for postgres and drops root.
                user: "root",
                // The certificate is uploaded here: a replica without it must not start in cleartext.
                envs: ["DBPLACE_TLS=required"],
                uploads: secretUploads({ [SECRET_FILES.serverCert]: args.tls.serverCert, [SECRET_FILES.serverKey]: args.tls.serverKey }),
                networksAdvanced: [{ name: args.network, aliases: [`${spec.name}-ro`] }],
                ports: [{ internal: BAKED.port, ip: "127.0.0.1" }],
                healthcheck: {
                    tests: ["CMD", ...BAKED.readinessCommand(spec.databaseName)],
                    interval: "1s",
                    timeout: "3s",
                    retries: 30,
                },
                restart: "unless-stopped",
                wait: true,
                waitTimeout: 60,
                labels,
            }, parent),
        );

        this.readHost = pulumi.output("127.0.0.1");
        this.readPort = this.containers[0].ports.apply((p) => p?.[0]?.external ?? BAKED.port);
        this.readConnectionSecret = connectionUri({
            scheme: "postgresql",
            username: BAKED.readerRole,
            password,
            host: this.readHost,
            port: this.readPort,
            database: spec.databaseName,
            params: "?sslmode=verify-full",
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, imageRef: this.imageRef });
    }
}
