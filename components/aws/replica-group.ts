import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { BAKED } from "../bake";
import { Size } from "../config/schema";
import { DatabaseSpec } from "../config/validate";
import { awsTagKey, DECLARED, stalenessDeclaration } from "../declarations";
import { bakedAlarms } from "./alarms";
import { AwsFirewall } from "./firewall";
import { policyDocument, serviceRole, trustService } from "./iam";
import { debianAmi } from "./lookups";
import { AwsAlerts } from "./monitoring";
import { AwsNetwork } from "./network";
import { replicaUserData } from "./replica-user-data";
import { DatabaseTls } from "../tls";
import { awsTags, shortName } from "./tags";

/**
 * x86_64 on purpose: baked images are built where `pulumi up` or CI runs (almost always amd64), and a
 * Graviton fleet would need every bake cross-built.
 */
export const REPLICA_INSTANCE_TYPES: Record<Size, string> = { small: "t3.small", medium: "m7i.large", large: "r7i.xlarge" };
/** Default staleness alarm when replicas.maxStalenessMinutes is unset: a daily bake plus two hours. */
export const DEFAULT_MAX_STALENESS_MINUTES = 26 * 60;

export interface AwsReplicaGroupArgs {
    /** Spec of the master; `replicas` gives count, maxReplicas and staleness. */
    readonly spec: DatabaseSpec;
    /** Required. Private subnets for the instances and the internal NLB. */
    readonly network: AwsNetwork;
    /** The baked image to run. */
    readonly image: pulumi.Input<string>;
    /** The database's key: it encrypts the certificate's secret, and the instances may decrypt with it. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** ECR repositories the instances may pull from. Default: none (a public image). */
    readonly repositoryArns?: pulumi.Input<string>[];
    /** Security groups of the stack admitted to the read endpoint (the database's client group); each also gets egress to it. Default none. */
    readonly admit?: Record<string, pulumi.Input<string>>;
    /** Where alarms go. Default: no alarms. */
    readonly alerts?: AwsAlerts;
    /** Default: REPLICA_INSTANCE_TYPES[spec.size]. */
    readonly instanceType?: string;
    /** Root volume (holds the image and so the data). Default: the size preset's storage + 20 GiB. */
    readonly rootVolumeGb?: number;
}

/**
 * Baked replicas without a cluster: an Auto Scaling group of private instances, each running the baked
 * image, behind an internal NLB. A new image is a new launch template version, which the group rolls
 * out launching before terminating (100% minimum healthy), so reads keep `count` healthy targets.
 * Replicas serve TLS only, with a certificate for the NLB's name signed by a CA of the database.
 */
export class AwsReplicaGroup extends pulumi.ComponentResource {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly autoScalingGroupName: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    /** The CA that signed the replicas' server certificate (public): clients verify the NLB's name with it. */
    public readonly caCert: pulumi.Output<string>;

    constructor(name: string, args: AwsReplicaGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:ReplicaGroup", name, {}, opts);
        const { spec, network } = args;
        const parent = { parent: this };
        const port = BAKED.port;
        const count = spec.replicas.count;
        const maxSize = Math.max(spec.replicas.maxReplicas ?? count, count);
        const instanceType = args.instanceType ?? REPLICA_INSTANCE_TYPES[spec.size];
        const storageGb = spec.preset.kind === "instance" ? spec.preset.storageGb : 20;

        // The NLB carries a security group, so targets admit the NLB only and clients are filtered once, at the NLB.
        const lbFirewall = new AwsFirewall(`${name}-lb`, {
            database: spec.name, role: "replicas-lb", vpcId: network.vpcId, port, clientGroup: false,
            allowedSecurityGroupIds: spec.network.allowedSecurityGroupIds, allowedCidrs: spec.network.allowedCidrs, admit: args.admit,
        }, parent);
        const firewall = new AwsFirewall(`${name}-replicas`, {
            database: spec.name, role: "replicas", vpcId: network.vpcId, port, clientGroup: false, webEgress: true,
            admit: { lb: lbFirewall.securityGroupId },
        }, parent);
        for (const [label, sg] of Object.entries(args.admit ?? {})) {
            // The stack's own client groups have no egress but what is granted (firewall.ts): without this their members
            // are admitted by the NLB's group yet can never send to it.
            new aws.vpc.SecurityGroupEgressRule(`${name}-${label}-to-lb`, {
                securityGroupId: sg, ipProtocol: "tcp", fromPort: port, toPort: port,
                referencedSecurityGroupId: lbFirewall.securityGroupId, description: "to the baked replicas' load balancer",
            }, parent);
        }
        new aws.vpc.SecurityGroupEgressRule(`${name}-lb-to-replicas`, {
            securityGroupId: lbFirewall.securityGroupId, ipProtocol: "tcp", fromPort: port, toPort: port,
            referencedSecurityGroupId: firewall.securityGroupId, description: "forward and health-check",
        }, parent);

        const lb = new aws.lb.LoadBalancer(`${name}-nlb`, {
            name: shortName(spec.name, "ro"),
            internal: true,
            loadBalancerType: "network",
            subnets: network.subnetIds,
            securityGroups: [lbFirewall.securityGroupId],
            enableCrossZoneLoadBalancing: true,
            tags: awsTags(spec.name, "replicas-lb"),
        }, parent);
        // The replicas' certificate names the NLB, which is what the read connection string verifies (verify-full).
        // The key reaches the instances through Secrets Manager, read with their role at boot: never user data or a layer.
        const tls = new DatabaseTls(`${name}-tls`, { commonName: `${pulumi.getStack()}/${spec.name}-ro`, subjectAltNames: [lb.dnsName] }, parent);
        const tlsSecret = new aws.secretsmanager.Secret(`${name}-tls`, {
            description: `dbplace ${pulumi.getStack()}/${spec.name}: TLS certificate and key of the baked replicas`,
            kmsKeyId: args.kmsKeyArn,
            recoveryWindowInDays: 7,
            tags: awsTags(spec.name, "replica-tls"),
        }, parent);
        const tlsValue = new aws.secretsmanager.SecretVersion(`${name}-tls`, {
            secretId: tlsSecret.id,
            secretString: pulumi.secret(pulumi.jsonStringify({ cert: tls.serverCert, key: tls.serverKey })),
        }, parent);

        const { role } = serviceRole(`${name}-instance`, {
            trust: trustService("ec2.amazonaws.com"),
            description: `dbplace ${spec.name} baked replicas: pull the image, publish data age, SSM sessions`,
            managedPolicies: ["AmazonSSMManagedInstanceCore"],
            inline: policyDocument([
                { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                { Sid: "ReadCertificate", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: tlsSecret.arn },
                { Sid: "DecryptCertificate", Effect: "Allow", Action: "kms:Decrypt", Resource: args.kmsKeyArn },
                ...(args.repositoryArns?.length ? [{ Sid: "PullBakedImage", Effect: "Allow" as const, Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: args.repositoryArns.length === 1 ? args.repositoryArns[0] : args.repositoryArns }] : []),
                // PutMetricData has no resource ARNs; the namespace condition keeps it to ours.
                { Sid: "PublishDataAge", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "dbplace" } } },
            ]),
            tags: awsTags(spec.name, "replica-instance"),
        }, this);
        const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name, tags: awsTags(spec.name, "replica-instance") }, parent);

        // The promised data age (when the stack set one), where the policy pack reads it. On the template's own tags only:
        // tagSpecifications are part of a version, so a new promise there would roll every replica for a tag.
        const templateTags = { ...awsTags(spec.name, "baked-replica"), ...stalenessDeclaration(spec, awsTagKey(DECLARED.maxStaleness)) };
        const template = new aws.ec2.LaunchTemplate(`${name}-template`, {
            imageId: debianAmi("x86_64", parent),
            instanceType,
            iamInstanceProfile: { arn: profile.arn },
            networkInterfaces: [{ associatePublicIpAddress: "false", securityGroups: [firewall.securityGroupId], deleteOnTermination: "true" }],
            // IMDSv2 only, one hop: the instance reads its role, the container cannot.
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            // The AWS-managed EBS key: Auto Scaling's service-linked role can use it without a key-policy grant, and the disk holds only a copy of a dump.
            blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { volumeType: "gp3", volumeSize: args.rootVolumeGb ?? storageGb + 20, encrypted: "true", deleteOnTermination: "true" } }],
            userData: pulumi.all([args.image, tlsSecret.arn, tls.serverCert]).apply(([image, tlsSecretArn, cert]) => Buffer.from(replicaUserData({
                image, database: spec.databaseName, stack: pulumi.getStack(), tlsSecretArn,
                certificateDigest: createHash("sha256").update(cert).digest("hex"),
            })).toString("base64")),
            tagSpecifications: [{ resourceType: "instance", tags: awsTags(spec.name, "baked-replica") }, { resourceType: "volume", tags: awsTags(spec.name, "baked-replica") }],
            updateDefaultVersion: true,
            tags: templateTags,
        }, parent);

        const targetGroup = new aws.lb.TargetGroup(`${name}-targets`, {
            name: shortName(spec.name, "tg"),
            port,
            protocol: "TCP",
            targetType: "instance",
            vpcId: network.vpcId,
            deregistrationDelay: 30,
            healthCheck: { protocol: "TCP", port: String(port), interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
            tags: awsTags(spec.name, "replicas"),
        }, parent);
        new aws.lb.Listener(`${name}-listener`, {
            loadBalancerArn: lb.arn, port, protocol: "TCP",
            defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
        }, parent);

        const autoscaled = maxSize > count;
        const group = new aws.autoscaling.Group(`${name}-asg`, {
            minSize: count,
            maxSize,
            desiredCapacity: count,
            vpcZoneIdentifiers: network.subnetIds,
            targetGroupArns: [targetGroup.arn],
            // The NLB's health check (the engine answers on its port) decides, not just "instance running".
            healthCheckType: "ELB",
            healthCheckGracePeriod: 600,
            launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
            instanceRefresh: { strategy: "Rolling", preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: "300" } },
            waitForCapacityTimeout: "20m",
            tags: Object.entries(awsTags(spec.name, "baked-replica")).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
        // The scaling policy owns the desired count once it exists. The certificate is in place before any instance boots.
        }, { ...parent, dependsOn: [tlsValue], ignoreChanges: autoscaled ? ["desiredCapacity"] : [] });
        if (autoscaled) {
            new aws.autoscaling.Policy(`${name}-cpu`, {
                autoscalingGroupName: group.name,
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: 60 },
            }, parent);
        }

        args.alerts?.alarms(name, bakedAlarms({
            targetGroup: targetGroup.arnSuffix,
            loadBalancer: lb.arnSuffix,
            count,
            stack: pulumi.getStack(),
            database: spec.databaseName,
            maxStalenessMinutes: spec.replicas.maxStalenessMinutes ?? DEFAULT_MAX_STALENESS_MINUTES,
        }), this);

        this.readHost = lb.dnsName;
        this.readPort = pulumi.output(port);
        this.autoScalingGroupName = group.name;
        this.securityGroupId = firewall.securityGroupId;
        this.caCert = tls.caCert;
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, autoScalingGroupName: this.autoScalingGroupName });
    }
}
