import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, serviceRole, trustService } from "./iam";
import { AwsNetwork } from "./network";
import { sharedTags } from "./tags";

/** The StorageClass the cluster placement gets by default on a created cluster. */
export const EKS_STORAGE_CLASS = "dbplace-gp3";
/** x86_64 like the baked-replica fleet: images baked on amd64 hosts run as they are. */
export const EKS_NODE_TYPE = "m7i.large";

export interface AwsEksClusterArgs {
    /** Created or reused network; the cluster, its nodes and its load balancers stay in its private subnets. */
    readonly network: AwsNetwork;
    /** Node instance type. Default EKS_NODE_TYPE. */
    readonly nodeInstanceType?: string;
    /** Nodes (one per AZ at the default 2); the group may grow to twice this. Default 2. */
    readonly nodeCount?: number;
    /** Pulumi-protect the cluster and its secrets key, because databases live on it. Default true. */
    readonly protect?: boolean;
}

/**
 * An EKS cluster for the stack's in-cluster databases and baked replicas, built from plain aws.eks
 * resources so every piece is visible in the plan: private-subnet managed nodes, envelope encryption of
 * Secrets with a KMS key, control-plane audit logs, access entries (API mode), the EBS CSI driver via
 * Pod Identity, and an encrypted gp3 StorageClass that retains volumes. `provider` waits for all of it.
 */
export class AwsEksCluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    public readonly kubeconfig: pulumi.Output<string>;
    /** For workloads: created only after nodes, the storage driver and the StorageClass exist. */
    public readonly provider: k8s.Provider;
    /** EKS's cluster security group, which managed nodes carry: admit it where pods must connect. */
    public readonly nodeSecurityGroupId: pulumi.Output<string>;

    constructor(name: string, args: AwsEksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:EksCluster", name, {}, opts);
        const parent = { parent: this };
        const protect = args.protect ?? true;
        const nodes = args.nodeCount ?? 2;
        const region = aws.getRegionOutput({}, parent).region;

        const key = new aws.kms.Key(`${name}-secrets`, {
            description: `dbplace ${pulumi.getStack()} EKS: Secrets envelope encryption and database volumes`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags: sharedTags("eks-key"),
        }, { parent: this, protect });

        const { role: clusterRole, attachments: clusterPolicies } = serviceRole(`${name}-cluster`, {
            trust: trustService("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
            description: "dbplace EKS control plane",
            managedPolicies: ["AmazonEKSClusterPolicy"],
            tags: sharedTags("eks-cluster"),
        }, this);

        const cluster = new aws.eks.Cluster(`${name}`, {
            roleArn: clusterRole.arn,
            vpcConfig: {
                subnetIds: args.network.subnetIds,
                endpointPrivateAccess: true,
                // `pulumi up` must reach the API to deploy databases; access is IAM-authenticated (docs/aws.md: closing it).
                endpointPublicAccess: true,
            },
            accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            encryptionConfig: { provider: { keyArn: key.arn }, resources: ["secrets"] },
            enabledClusterLogTypes: ["api", "audit", "authenticator"],
            // Upgraded automatically at the end of standard support instead of paying for extended support.
            upgradePolicy: { supportType: "STANDARD" },
            tags: sharedTags("eks"),
        }, { parent: this, protect, dependsOn: clusterPolicies });

        const { role: nodeRole, attachments: nodePolicies } = serviceRole(`${name}-node`, {
            trust: trustService("ec2.amazonaws.com"),
            description: "dbplace EKS nodes",
            // ECR read-only covers the stack's baked-replica repositories.
            managedPolicies: ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"],
            tags: sharedTags("eks-node"),
        }, this);
        const nodeTemplate = new aws.ec2.LaunchTemplate(`${name}-node`, {
            // Hop limit 2 is EKS's own default for managed nodes; pods get AWS access through Pod Identity, not the node role.
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeType: "gp3", volumeSize: 50, encrypted: "true", deleteOnTermination: "true" } }],
            tagSpecifications: [{ resourceType: "instance", tags: sharedTags("eks-node") }],
            tags: sharedTags("eks-node"),
        }, parent);
        const nodeGroup = new aws.eks.NodeGroup(`${name}-nodes`, {
            clusterName: cluster.name,
            nodeRoleArn: nodeRole.arn,
            subnetIds: args.network.subnetIds,
            instanceTypes: [args.nodeInstanceType ?? EKS_NODE_TYPE],
            amiType: "AL2023_x86_64_STANDARD",
            launchTemplate: { id: nodeTemplate.id, version: nodeTemplate.latestVersion.apply(String) },
            scalingConfig: { minSize: nodes, desiredSize: nodes, maxSize: nodes * 2 },
            updateConfig: { maxUnavailable: 1 },
            tags: sharedTags("eks-nodes"),
        }, { parent: this, dependsOn: nodePolicies });

        // The managed VPC CNI with its network-policy agent on: without it EKS ignores the NetworkPolicies the cluster placement relies on.
        new aws.eks.Addon(`${name}-vpc-cni`, {
            clusterName: cluster.name,
            addonName: "vpc-cni",
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
            resolveConflictsOnCreate: "OVERWRITE",
        }, parent);
        const podIdentity = new aws.eks.Addon(`${name}-pod-identity`, { clusterName: cluster.name, addonName: "eks-pod-identity-agent" }, { parent: this, dependsOn: [nodeGroup] });
        const { role: csiRole } = serviceRole(`${name}-ebs-csi`, {
            trust: trustService("pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"]),
            description: "dbplace EKS: EBS CSI controller",
            managedPolicies: ["service-role/AmazonEBSCSIDriverPolicy"],
            inline: policyDocument([{
                Sid: "EncryptVolumesWithTheClusterKey",
                Effect: "Allow",
                Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant", "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: key.arn,
            }]),
            tags: sharedTags("eks-ebs-csi"),
        }, this);
        const ebsCsi = new aws.eks.Addon(`${name}-ebs-csi`, {
            clusterName: cluster.name,
            addonName: "aws-ebs-csi-driver",
            podIdentityAssociations: [{ roleArn: csiRole.arn, serviceAccount: "ebs-csi-controller-sa" }],
        }, { parent: this, dependsOn: [podIdentity] });

        this.clusterName = cluster.name;
        this.nodeSecurityGroupId = cluster.vpcConfig.apply((v) => v.clusterSecurityGroupId ?? "");
        // No credentials inside: the exec plugin gets a token with the deployer's AWS identity at each call.
        this.kubeconfig = pulumi.jsonStringify({
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: "eks", cluster: { server: cluster.endpoint, "certificate-authority-data": cluster.certificateAuthority.data } }],
            contexts: [{ name: "eks", context: { cluster: "eks", user: "eks" } }],
            "current-context": "eks",
            users: [{ name: "eks", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", cluster.name, "--region", region], interactiveMode: "Never" } } }],
        });

        const bootstrap = new k8s.Provider(`${name}-bootstrap`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: [cluster] });
        const storageClass = new k8s.storage.v1.StorageClass(`${name}-gp3`, {
            metadata: { name: EKS_STORAGE_CLASS, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", encrypted: "true", kmsKeyId: key.arn },
            // Databases: a deleted claim must not delete the volume with it.
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        }, { parent: this, provider: bootstrap });
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, { parent: this, dependsOn: [nodeGroup, ebsCsi, storageClass] });
        this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig, nodeSecurityGroupId: this.nodeSecurityGroupId });
    }
}
