import * as assert from "node:assert/strict";
import { MockRun } from "../../lib/mock-runner";
import { loadStackConfig } from "../../lib/stacks";
import { inventory, ofType, one } from "../helpers/resources";
import { assertNoWorldIngress, runAws } from "./aws-harness";

const EKS = "aws:eks/cluster:Cluster";

describe("aws/cluster placement", () => {
    describe("with cluster.create: an EKS cluster of the stack's own", () => {
        let run: MockRun;
        before(async () => {
            run = await runAws({ placement: "cluster", cluster: { create: true }, databases: { orders: {}, catalog: { highAvailability: true } } });
        });

        it("creates one private, encrypted, audited cluster for every database that asks", () => {
            assert.deepEqual(inventory(run)[EKS], ["eks"]);
            const c = one(run, EKS, "eks");
            assert.deepEqual(c.inputs.vpcConfig.subnetIds, ["network-private-0-id", "network-private-1-id"]);
            assert.equal(c.inputs.vpcConfig.endpointPrivateAccess, true);
            assert.deepEqual(c.inputs.encryptionConfig.resources, ["secrets"]);
            assert.match(c.inputs.encryptionConfig.provider.keyArn, /:key\//);
            assert.deepEqual(c.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator"]);
            assert.deepEqual(c.inputs.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true });
            assert.equal(c.inputs.upgradePolicy.supportType, "STANDARD");
            assert.ok(c.protect, "databases live on it");
            assert.ok(one(run, "aws:kms/key:Key", "eks-secrets").protect);
        });

        it("runs managed nodes in the private subnets with encrypted disks, behind NAT (an HA database gets one per zone)", () => {
            const nodes = one(run, "aws:eks/nodeGroup:NodeGroup", "eks-nodes").inputs;
            assert.deepEqual(nodes.subnetIds, ["network-private-0-id", "network-private-1-id"]);
            assert.deepEqual([nodes.amiType, nodes.instanceTypes, nodes.scalingConfig], ["AL2023_x86_64_STANDARD", ["m7i.large"], { minSize: 2, desiredSize: 2, maxSize: 4 }]);
            const template = one(run, "aws:ec2/launchTemplate:LaunchTemplate", "eks-node").inputs;
            assert.equal(template.blockDeviceMappings[0].ebs.encrypted, "true");
            assert.equal(template.metadataOptions.httpTokens, "required");
            assert.deepEqual(inventory(run)["aws:ec2/natGateway:NatGateway"], ["network-nat-0", "network-nat-1"]);
            assertNoWorldIngress(run);
        });

        it("installs what the in-cluster placement relies on: enforced NetworkPolicies, EBS volumes, a retaining encrypted StorageClass", () => {
            const addons = Object.fromEntries(ofType(run, "aws:eks/addon:Addon").map((a) => [a.inputs.addonName, a.inputs]));
            assert.deepEqual(Object.keys(addons).sort(), ["aws-ebs-csi-driver", "eks-pod-identity-agent", "vpc-cni"]);
            assert.deepEqual(JSON.parse(addons["vpc-cni"].configurationValues), { enableNetworkPolicy: "true" });
            assert.deepEqual(addons["aws-ebs-csi-driver"].podIdentityAssociations, [{ roleArn: "arn:aws:iam::123456789012:role/eks-ebs-csi", serviceAccount: "ebs-csi-controller-sa" }]);
            const sc = one(run, "kubernetes:storage.k8s.io/v1:StorageClass", "eks-gp3").inputs;
            assert.deepEqual([sc.metadata.name, sc.provisioner, sc.reclaimPolicy, sc.volumeBindingMode, sc.parameters.encrypted, sc.parameters.type], ["dbplace-gp3", "ebs.csi.aws.com", "Retain", "WaitForFirstConsumer", "true", "gp3"]);
            assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
        });

        it("deploys each database through the cluster's provider, which waits for nodes, storage driver and StorageClass", () => {
            const provider = one(run, "pulumi:providers:kubernetes", "eks-k8s");
            assert.deepEqual([...provider.dependsOn].sort(), ["eks", "eks-ebs-csi", "eks-gp3", "eks-nodes"]);
            const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
            assert.deepEqual(kubeconfig.users[0].user.exec.args, ["eks", "get-token", "--cluster-name", "eks", "--region", "eu-west-1"]);
            const statefulSets = ofType(run, "kubernetes:apps/v1:StatefulSet");
            assert.deepEqual([...new Set(statefulSets.map((s) => s.database))].sort(), ["catalog", "orders"]);
            for (const r of ofType(run, "kubernetes:core/v1:Namespace").concat(statefulSets)) assert.match(r.provider ?? "", /::eks-k8s::/, r.name);
            assert.equal(run.outputs.databases.orders.placement, "cluster");
        });
    });

    it("uses the configured kubeconfig and creates nothing on AWS without cluster.create", async () => {
        const run = await runAws({ placement: "cluster", cluster: { context: "platform" } });
        assert.deepEqual(run.resources.filter((r) => r.type.startsWith("aws:") || r.type.startsWith("dbplace:aws:")).map((r) => r.name), []);
        assert.match(one(run, "pulumi:providers:kubernetes", "app-k8s").inputs.context, /^platform$/);
    });
});

describe("aws example stacks", () => {
    for (const stack of ["aws-staging", "aws-prod"]) {
        it(`${stack} plans offline with every database on its placement`, async () => {
            const config = loadStackConfig(stack);
            const run = await runAws(config as Record<string, unknown>, stack);
            assert.ok(run.resources.length > 0);
            for (const [name, c] of Object.entries(run.outputs.databases as Record<string, { placement: string; host: string }>)) {
                assert.ok(c.host, `${stack}/${name} has a host`);
            }
            assertNoWorldIngress(run);
        });
    }
});
