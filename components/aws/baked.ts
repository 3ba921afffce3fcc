import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { BAKED, scramVerifier } from "../bake";
import { ClusterBakedReplicas } from "../cluster";
import { DatabaseSpec } from "../config/validate";
import { connectionUri } from "../contract";
import { bakedReplicaImage } from "../replicas/bake-image";
import { readerPassword } from "../replicas/reader";
import { policyDocument } from "./iam";
import { accountFacts } from "./lookups";
import { AwsAlerts } from "./monitoring";
import { AwsNetwork } from "./network";
import { AwsReplicaGroup } from "./replica-group";
import { bakedRepositoryName, ecrRepositoryArn } from "./ecr";
import { awsTags } from "./tags";

export interface AwsBakedReplicasArgs {
    /** Spec of the master (managed or vm). */
    readonly spec: DatabaseSpec;
    /** Required. Where the Auto Scaling group and its NLB go when no cluster runs the replicas. */
    readonly network: AwsNetwork;
    /** The database's key: the repository is encrypted with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The master's password; the reader role's password derives from it (components/replicas/reader.ts). */
    readonly masterPassword: pulumi.Input<string>;
    /** Objects the re-bake job reads (the VM's scheduled dumps, `arn:…:bucket/prefix/*`). Default: none (RDS has no dumps). */
    readonly dumpsArn?: pulumi.Input<string>;
    /** The database's client group, admitted to the read endpoint too. Default: none. */
    readonly clientSecurityGroupId?: pulumi.Input<string>;
    /** Where the replica alarms go. Default: no alarms. */
    readonly alerts?: AwsAlerts;
    /**
     * Kubernetes provider of the stack's EKS cluster. With it, or with cluster.kubeconfig/context
     * configured, replicas run on that cluster; otherwise on an Auto Scaling group. Default: none.
     */
    readonly kubernetesProvider?: k8s.Provider;
}

/**
 * Image-baked read replicas for an AWS master: an ECR repository (scan on push, immutable tags,
 * KMS-encrypted) the baked image is pushed to, a role CI or `npm run rebake` assumes to push new
 * bakes, and the replicas themselves — on the stack's cluster when there is one, else on an Auto
 * Scaling group of private instances behind an internal NLB, serving TLS with a certificate for its name.
 */
export class AwsBakedReplicas extends pulumi.ComponentResource {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly repositoryUrl: pulumi.Output<string>;
    /** Role the re-bake job assumes (CI, `npm run rebake`): push to the repository, read the dumps. */
    public readonly pushRoleArn: pulumi.Output<string>;
    public readonly imageRef: pulumi.Output<string>;
    /** CA of the replicas' certificate on the Auto Scaling group; empty on a cluster, which mounts none yet. */
    public readonly caCert: pulumi.Output<string>;

    constructor(name: string, args: AwsBakedReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:BakedReplicas", name, {}, opts);
        const { spec } = args;
        const parent = { parent: this };
        const password = readerPassword(args.masterPassword);

        const repository = new aws.ecr.Repository(`${name}-repo`, {
            name: bakedRepositoryName(spec.name),
            // A tag always means one bake: rollbacks pick an older tag, nothing is overwritten in place.
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.kmsKeyArn }],
            // ECR refuses to delete a repository that holds images; bakes are rebuildable, so unprotected stacks may drop them.
            forceDelete: !spec.deletionProtection,
            tags: awsTags(spec.name, "baked-images"),
        }, parent);
        new aws.ecr.LifecyclePolicy(`${name}-repo`, {
            repository: repository.name,
            policy: JSON.stringify({ rules: [{ rulePriority: 1, description: "keep the last 20 bakes", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 }, action: { type: "expire" } }] }),
        }, parent);
        this.repositoryUrl = repository.repositoryUrl;

        const { accountId, partition } = accountFacts(parent);
        const pushRole = new aws.iam.Role(`${name}-push`, {
            description: `dbplace ${spec.name}: push baked images (CI, npm run rebake)`,
            // Any principal of this account that its own IAM policy lets assume the role; nothing outside it.
            assumeRolePolicy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` }, Action: "sts:AssumeRole" }] }),
            tags: awsTags(spec.name, "baked-push"),
        }, parent);
        new aws.iam.RolePolicy(`${name}-push`, {
            role: pushRole.id,
            policy: policyDocument([
                { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                { Sid: "PushBakes", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImages"], Resource: repository.arn },
                { Sid: "EncryptLayers", Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: args.kmsKeyArn },
                ...(args.dumpsArn ? [{ Sid: "ReadDumps", Effect: "Allow" as const, Action: "s3:GetObject", Resource: args.dumpsArn }] : []),
            ]),
        }, parent);
        this.pushRoleArn = pushRole.arn;

        this.imageRef = spec.replicas.image !== undefined
            ? pulumi.output(spec.replicas.image)
            : this.bake(name, spec, repository, password);

        const onCluster = spec.replicas.runsOn === "cluster";
        let readHost: pulumi.Output<string>;
        if (onCluster) {
            const replicas = new ClusterBakedReplicas(`${name}-cluster`, { spec, readerPassword: password, provider: args.kubernetesProvider, image: this.imageRef }, parent);
            readHost = replicas.readHost;
            this.caCert = pulumi.output("");
        } else {
            const group = new AwsReplicaGroup(`${name}-group`, {
                spec, network: args.network, image: this.imageRef, alerts: args.alerts, kmsKeyArn: args.kmsKeyArn,
                // The stack's repository, and the one replicas.image names when that is another ECR repository.
                repositoryArns: [repository.arn, ...[spec.replicas.image && ecrRepositoryArn(spec.replicas.image)].filter((a): a is string => Boolean(a))],
                admit: args.clientSecurityGroupId ? { "db-clients": args.clientSecurityGroupId } : undefined,
            }, parent);
            readHost = group.readHost;
            this.caCert = group.caCert;
        }
        this.readHost = readHost;
        this.readPort = pulumi.output(BAKED.port);
        this.readConnectionSecret = connectionUri({
            scheme: "postgresql", username: BAKED.readerRole, password, host: this.readHost, port: this.readPort, database: spec.databaseName,
            // The group's replicas serve TLS only, with a certificate for the NLB's name.
            params: onCluster ? undefined : "?sslmode=verify-full",
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, repositoryUrl: this.repositoryUrl, pushRoleArn: this.pushRoleArn, imageRef: this.imageRef });
    }

    /**
     * Bakes replicas.dump at `pulumi up` and pushes it to the repository. The tag is the dump digest plus
     * a digest of the reader verifier: tags are immutable, so a new password must give a new tag.
     */
    private bake(name: string, spec: DatabaseSpec, repository: aws.ecr.Repository, password: pulumi.Output<string>): pulumi.Output<string> {
        // The Auto Scaling group runs x86_64 instances (see replica-group.ts).
        const credentials = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
        return bakedReplicaImage(`${name}-image`, {
            spec,
            readerPassword: password,
            repository: repository.repositoryUrl,
            // A digest of the verifier reveals nothing about the password: keep the image name out of secret-land.
            tagSuffix: pulumi.unsecret(password.apply((p) => `-${createHash("sha256").update(scramVerifier(p)).digest("hex").slice(0, 8)}`)),
            platform: "linux/amd64",
            push: { login: { server: repository.repositoryUrl, username: credentials.userName, password: credentials.password } },
        }, { parent: this });
    }
}
