import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { BAKED } from "../../components/bake";
import { replicaUserData } from "../../components/aws/replica-user-data";
import { MockRun } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";
import { alarms, assertNoWorldIngress, built, runAws } from "./aws-harness";

const IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dbplace/seed/app-baked:seed";
const ASG = "aws:autoscaling/group:Group";
const SEED_DUMP = path.resolve(__dirname, "../../stacks/seed/app.dump");
const baked = (extra: object = {}) => ({ kind: "baked", count: 2, image: IMAGE, ...extra });

describe("aws baked replicas", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[] | undefined>][] = [
        ["RDS master, no cluster: an Auto Scaling group behind an internal NLB", { placement: "managed", replicas: baked() }, {
            "dbplace:aws:BakedReplicas": ["app-baked"],
            "dbplace:aws:ReplicaGroup": ["app-baked-group"],
            "aws:ecr/repository:Repository": ["app-baked-repo"],
            [ASG]: ["app-baked-group-asg"],
            "aws:lb/loadBalancer:LoadBalancer": ["app-baked-group-nlb"],
            "aws:lb/listener:Listener": ["app-baked-group-listener"],
            "aws:autoscaling/policy:Policy": undefined,
            "dbplace:cluster:BakedReplicas": undefined,
            // The instances pull and install through a NAT, so an RDS stack with baked replicas gets one.
            "aws:ec2/natGateway:NatGateway": ["network-nat-0"],
            "docker:index/remoteImage:RemoteImage": undefined,
        }],
        ["VM master with an autoscaling ceiling", { placement: "vm", replicas: baked({ maxReplicas: 5 }) }, {
            [ASG]: ["app-baked-group-asg"],
            "aws:autoscaling/policy:Policy": ["app-baked-group-cpu"],
        }],
        ["the stack's EKS cluster", { placement: "managed", cluster: { create: true }, replicas: baked() }, {
            "dbplace:cluster:BakedReplicas": ["app-baked-cluster"],
            "kubernetes:apps/v1:Deployment": ["app-baked-cluster-deploy"],
            [ASG]: undefined,
            "aws:lb/loadBalancer:LoadBalancer": undefined,
            "aws:eks/cluster:Cluster": ["eks"],
        }],
        ["an existing cluster", { placement: "vm", cluster: { context: "platform" }, replicas: baked() }, {
            "dbplace:cluster:BakedReplicas": ["app-baked-cluster"],
            "pulumi:providers:kubernetes": ["app-baked-cluster-k8s"],
            [ASG]: undefined,
            "aws:eks/cluster:Cluster": undefined,
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await runAws({ deletionProtection: false, ...extra }));
            for (const [type, list] of Object.entries(expected)) assert.deepEqual(got[type], list, type);
        });
    }

    describe("on an Auto Scaling group", () => {
        let run: MockRun;
        before(async () => {
            run = await runAws({ placement: "managed", replicas: baked({ count: 3, maxStalenessMinutes: 90 }), network: { allowedCidrs: ["10.20.0.0/16"] } });
        });

        it("keeps images in an encrypted, scanned repository with immutable tags, and a push role for re-bakes", () => {
            const repo = one(run, "aws:ecr/repository:Repository", "app-baked-repo").inputs;
            assert.deepEqual([repo.name, repo.imageTagMutability, repo.imageScanningConfiguration], ["dbplace/aws-test/app-baked", "IMMUTABLE", { scanOnPush: true }]);
            assert.equal(repo.encryptionConfigurations[0].encryptionType, "KMS");
            assert.match(repo.encryptionConfigurations[0].kmsKey, /:key\//);
            const push = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-baked-push").inputs.policy);
            assert.ok(push.Statement.find((s: { Sid: string }) => s.Sid === "PushBakes").Action.includes("ecr:PutImage"));
            assert.equal(push.Statement.find((s: { Sid: string }) => s.Sid === "PushBakes").Resource, "arn:aws:ecr:eu-west-1:123456789012:repository/dbplace/aws-test/app-baked");
            const pull = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-baked-group-instance-inline").inputs.policy);
            assert.deepEqual(pull.Statement.find((s: { Sid: string }) => s.Sid === "PullBakedImage").Action, ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]);
        });

        it("runs `count` private instances of the baked image, with no volume, rolling new bakes without losing capacity", () => {
            const group = one(run, ASG, "app-baked-group-asg").inputs;
            assert.deepEqual([group.minSize, group.maxSize, group.desiredCapacity, group.healthCheckType], [3, 3, 3, "ELB"]);
            assert.deepEqual(group.vpcZoneIdentifiers, ["network-private-0-id", "network-private-1-id"]);
            assert.deepEqual(group.instanceRefresh.preferences.minHealthyPercentage, 100);
            const template = one(run, "aws:ec2/launchTemplate:LaunchTemplate", "app-baked-group-template").inputs;
            assert.equal(template.networkInterfaces[0].associatePublicIpAddress, "false");
            assert.deepEqual(template.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.equal(template.blockDeviceMappings[0].ebs.encrypted, "true");
            assert.equal(template.instanceType, "t3.small");
            const script = Buffer.from(template.userData, "base64").toString();
            assert.match(script, new RegExp(`docker run -d --name baked-replica --restart always --user root -e DBPLACE_TLS=required -v /etc/dbplace/tls:/etc/dbplace/secrets:ro -p 5432:5432 ${IMAGE.replace(/[./]/g, "\\$&")}$`, "m"));
            // The only mount is the certificate, read-only: the data is in the image.
            assert.equal(script.match(/docker run[^\n]*/)![0].match(/ (-v|--volume|--mount) /g)?.length, 1);
            assert.match(script, /docker login --username AWS --password-stdin 123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com/);
        });

        it("admits clients at the NLB only; instances admit the NLB only", () => {
            assertNoWorldIngress(run);
            const lb = one(run, "aws:lb/loadBalancer:LoadBalancer", "app-baked-group-nlb").inputs;
            assert.deepEqual([lb.internal, lb.loadBalancerType, lb.securityGroups, lb.subnets], [true, "network", ["app-baked-group-lb-id"], ["network-private-0-id", "network-private-1-id"]]);
            assert.ok(lb.name.length <= 32, lb.name);
            const rules = (sg: string) => ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === sg).map((r) => r.inputs.referencedSecurityGroupId ?? r.inputs.cidrIpv4).sort();
            assert.deepEqual(rules("app-baked-group-lb-id"), ["10.20.0.0/16", "app-db-clients-id"]);
            assert.deepEqual(rules("app-baked-group-replicas-id"), ["app-baked-group-lb-id"]);
        });

        it("alarms on target health and on data older than maxStalenessMinutes", () => {
            const set = alarms(run, "app-baked-group");
            assert.deepEqual(Object.keys(set).sort(), ["healthy-below-count", "stale", "unhealthy"]);
            assert.deepEqual([set.stale.inputs.namespace, set.stale.inputs.metricName, set.stale.inputs.threshold, set.stale.inputs.treatMissingData], ["dbplace", "BakedReplicaAgeSeconds", 90 * 60, "breaching"]);
            assert.deepEqual(set.stale.inputs.dimensions, { Stack: "aws-test", Database: "app" });
            assert.equal(set["healthy-below-count"].inputs.threshold, 3);
            // The instances publish the metric the alarm reads, under the same dimensions.
            const script = replicaUserData({ image: IMAGE, database: "app", stack: "aws-test", tlsSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x", certificateDigest: "0" });
            assert.match(script, /--namespace dbplace --metric-name BakedReplicaAgeSeconds --unit Seconds --dimensions Stack=aws-test,Database=app/);
            assert.ok(script.includes(BAKED.ageQuery.slice(0, 40)));
        });

        it("exports the NLB as the read endpoint with the reader role, verified against the contract's CA, as a secret", async () => {
            const c = run.outputs.databases.app;
            assert.match(c.readHost, /^app-ro-[0-9a-f]{8}-[0-9a-f]+\.elb\.eu-west-1\.amazonaws\.com$/);
            assert.equal(c.readPort, BAKED.port);
            assert.match(c.readConnectionSecret, new RegExp(`^postgresql://${BAKED.readerRole}:[A-Za-z0-9_-]{32}@${c.readHost.replace(/\./g, "\\.")}:5432/app\\?sslmode=verify-full$`));
            assert.equal(await pulumi.isSecret(built.app.implementation.readConnectionSecret), true);
        });
    });

    describe("TLS on the group's replicas", () => {
        let run: MockRun;
        before(async () => {
            run = await runAws({ placement: "vm", deletionProtection: false, replicas: baked() });
        });
        const userData = () => Buffer.from(one(run, "aws:ec2/launchTemplate:LaunchTemplate", "app-baked-group-template").inputs.userData, "base64").toString();
        const tlsValue = () => JSON.parse(one(run, "aws:secretsmanager/secretVersion:SecretVersion", "app-baked-group-tls").inputs.secretString) as { cert: string; key: string };

        it("issues the server certificate for the NLB's name, signed by the CA the contract hands out", () => {
            const c = run.outputs.databases.app;
            const { cert, key } = tlsValue();
            const x509 = new X509Certificate(cert);
            assert.equal(x509.checkHost(c.readHost), c.readHost, `the certificate covers ${c.readHost}: ${x509.subjectAltName}`);
            assert.ok(x509.verify(new X509Certificate(c.caCert).publicKey), "signed by the contract's caCert");
            assert.ok(x509.checkPrivateKey(createPrivateKey(key)), "the secret's key is the certificate's");
            assert.match(c.readConnectionSecret, /\?sslmode=verify-full$/);
        });

        it("keeps the key in a KMS-encrypted secret only the instances read: never in user data", () => {
            const secret = one(run, "aws:secretsmanager/secret:Secret", "app-baked-group-tls").inputs;
            assert.match(secret.kmsKeyId, /:key\//);
            const version = one(run, "aws:secretsmanager/secretVersion:SecretVersion", "app-baked-group-tls");
            assert.ok(version.secretPaths.includes("secretString"), "the key stays a Pulumi secret");
            const script = userData();
            assert.doesNotMatch(script, /PRIVATE KEY|BEGIN CERTIFICATE/);
            const policy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-baked-group-instance-inline").inputs.policy) as { Statement: { Sid: string; Action: string; Resource: string }[] };
            const read = policy.Statement.find((s) => s.Sid === "ReadCertificate")!;
            assert.equal(read.Action, "secretsmanager:GetSecretValue");
            assert.ok(script.includes(`--secret-id '${read.Resource}'`), "the script reads the secret the role may read");
            assert.ok(one(run, ASG, "app-baked-group-asg").dependsOn.includes("app-baked-group-tls"), "instances boot after the value exists");
        });

        it("rolls the group, not the image, when the certificate changes", () => {
            const { cert } = tlsValue();
            const digest = createHash("sha256").update(cert).digest("hex");
            assert.match(userData(), new RegExp(`server certificate sha256 ${digest}$`, "m"));
            const base = { image: IMAGE, database: "app", stack: "s", tlsSecretArn: "arn:x" };
            assert.notEqual(replicaUserData({ ...base, certificateDigest: "a" }), replicaUserData({ ...base, certificateDigest: "b" }));
        });
    });

    it("bakes replicas.dump at deploy and pushes it to the repository for amd64 instances", async () => {
        const run = await runAws({ placement: "managed", deletionProtection: false, replicas: { kind: "baked", count: 2, dump: SEED_DUMP } });
        const built = one(run, "docker:index/remoteImage:RemoteImage", "app-baked-image");
        const image = built.inputs;
        assert.match(image.name, /^123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/dbplace\/aws-test\/app-baked:[0-9a-f]{16}-[0-9a-f]{8}$/);
        const build = image.build.value ?? image.build;
        assert.equal(build.platform, "linux/amd64");
        assert.match(build.buildArgs.READER_VERIFIER.value ?? build.buildArgs.READER_VERIFIER, /^SCRAM-SHA-256\$4096:/);
        assert.ok(built.secretPaths.some((p) => p.startsWith("build")), "the verifier stays a secret");
        const push = one(run, "docker:index/registryImage:RegistryImage", "app-baked-image-push");
        assert.equal(push.inputs.name, image.name);
        assert.equal(push.inputs.keepRemotely, true, "replicas mid-roll still pull the previous bake");
        const registry = one(run, "pulumi:providers:docker", "app-baked-image-registry");
        // Provider config travels as JSON text.
        assert.equal(JSON.parse(registry.inputs.registryAuth)[0].address, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dbplace/aws-test/app-baked");
        assert.ok(registry.secretPaths.includes("registryAuth"), "the ECR token is a secret");
        const template = one(run, "aws:ec2/launchTemplate:LaunchTemplate", "app-baked-group-template").inputs;
        // Instances run the pushed image by digest, never a tag that could move.
        assert.match(Buffer.from(template.userData, "base64").toString(), /dbplace\/aws-test\/app-baked@sha256:[0-9]{64}/);
    });

    it("lets the re-bake role read a VM master's dumps, and nothing of an RDS master's", async () => {
        const statements = async (placement: string) => {
            const run = await runAws({ placement, deletionProtection: false, replicas: baked() });
            return JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-baked-push").inputs.policy).Statement as { Sid: string; Resource: string }[];
        };
        const vmRead = (await statements("vm")).find((s) => s.Sid === "ReadDumps");
        assert.match(vmRead?.Resource ?? "", /^arn:aws:s3:::app-backups-dumps-[0-9a-f]+\/app\/\*$/);
        assert.equal((await statements("managed")).find((s) => s.Sid === "ReadDumps"), undefined);
    });

    it("runs on the stack's EKS cluster through its provider, pulling from ECR with the node role", async () => {
        const run = await runAws({ placement: "vm", cluster: { create: true }, replicas: baked(), deletionProtection: false });
        const deploy = one(run, "kubernetes:apps/v1:Deployment", "app-baked-cluster-deploy");
        assert.match(deploy.provider ?? "", /::eks-k8s::/);
        assert.equal(deploy.inputs.spec.template.spec.containers[0].image, IMAGE);
        assert.ok(ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").some((r) => r.name === "eks-node-amazonec2containerregistryreadonly"));
        assert.match(run.outputs.databases.app.readHost, /\.svc/);
    });
});
