import * as pulumi from "@pulumi/pulumi";
import { hashNumber, InvokeHook, StateHook } from "./state";

/**
 * AWS: what the provider computes after create, and answers to the data sources the AWS components
 * call (zones, AMIs, caller identity, region, reused subnets). Deterministic: ids, addresses and ARNs
 * derive from the logical name, the region from `aws:region`.
 */
export const MOCK_ACCOUNT = "123456789012";

/** Regions with an unusual zone count, for the pre-flight tests; every other region has three. */
export const MOCK_ZONES_BY_REGION: Record<string, string[]> = {
    "ap-single-1": ["ap-single-1a"],
};

/**
 * Reused-network fixtures: two private subnets of one VPC in different zones, a private subnet in the
 * same zone as the first, a public one (default route to an internet gateway), and one of another VPC.
 */
export const MOCK_VPC = "vpc-0e1e1e1e1e1e1e1e1";
export const MOCK_SUBNETS: Record<string, { vpcId: string; zone: string; cidr: string; public?: boolean }> = {
    "subnet-0a1a1a1a1a1a1a1a1": { vpcId: MOCK_VPC, zone: "a", cidr: "10.10.0.0/20" },
    "subnet-0b2b2b2b2b2b2b2b2": { vpcId: MOCK_VPC, zone: "b", cidr: "10.10.16.0/20" },
    "subnet-0c3c3c3c3c3c3c3c3": { vpcId: MOCK_VPC, zone: "a", cidr: "10.10.32.0/20" },
    "subnet-0d4d4d4d4d4d4d4d4": { vpcId: MOCK_VPC, zone: "b", cidr: "10.10.240.0/24", public: true },
    "subnet-0f5f5f5f5f5f5f5f5": { vpcId: "vpc-0a9a9a9a9a9a9a9a9", zone: "b", cidr: "10.11.0.0/20" },
};

const region = () => new pulumi.Config("aws").get("region") ?? "eu-west-1";
const arn = (service: string, resource: string) => `arn:aws:${service}:${region()}:${MOCK_ACCOUNT}:${resource}`;
const hex = (key: string, length: number) => hashNumber(key, 2 ** 31).toString(16).padStart(8, "0").repeat(3).slice(0, length);
const ip = (key: string) => `10.42.${hashNumber(`${key}:a`, 60)}.${2 + hashNumber(`${key}:b`, 250)}`;

/** Secondary IPv4 ranges per mock VPC id; tests add entries (and remove them) to model a VPC with several ranges. */
export const MOCK_VPC_SECONDARY_CIDRS: Record<string, string[]> = {};
/** Mock VPCs whose S3 gateway endpoint lookup finds nothing; tests add ids to model a VPC without one. */
export const MOCK_VPCS_WITHOUT_S3_ENDPOINT = new Set<string>();

export const AWS_STATE: Record<string, StateHook> = {
    "aws:ec2/vpc:Vpc": ({ name }) => ({ arn: arn("ec2", `vpc/vpc-${hex(name, 17)}`), defaultSecurityGroupId: `sg-${hex(`${name}:default`, 17)}` }),
    "aws:ec2/subnet:Subnet": ({ name }) => ({ arn: arn("ec2", `subnet/subnet-${hex(name, 17)}`) }),
    "aws:ec2/securityGroup:SecurityGroup": ({ name }) => ({ arn: arn("ec2", `security-group/sg-${hex(name, 17)}`) }),
    "aws:ec2/instance:Instance": ({ name, inputs }) => ({
        arn: arn("ec2", `instance/i-${hex(name, 17)}`),
        privateIp: ip(name),
        publicIp: inputs.associatePublicIpAddress ? "203.0.113.10" : "",
    }),
    "aws:ec2/launchTemplate:LaunchTemplate": ({ name }) => ({ arn: arn("ec2", `launch-template/lt-${hex(name, 17)}`), latestVersion: 1 }),
    "aws:kms/key:Key": ({ name }) => {
        const keyId = `${hex(name, 8)}-0000-4000-8000-${hex(`${name}:k`, 12)}`;
        return { arn: arn("kms", `key/${keyId}`), keyId };
    },
    "aws:iam/role:Role": ({ name }) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT}:role/${name}`, name }),
    "aws:iam/instanceProfile:InstanceProfile": ({ name }) => ({ arn: `arn:aws:iam::${MOCK_ACCOUNT}:instance-profile/${name}`, name }),
    "aws:sns/topic:Topic": ({ name }) => ({ arn: arn("sns", name) }),
    "aws:cloudwatch/metricAlarm:MetricAlarm": ({ name, inputs }) => ({ arn: arn("cloudwatch", `alarm:${inputs.name ?? name}`) }),
    "aws:rds/subnetGroup:SubnetGroup": ({ name }) => ({ name, arn: arn("rds", `subgrp:${name}`) }),
    // The family in the name lets a replica (which has no `engine` input) report its engine's port.
    "aws:rds/parameterGroup:ParameterGroup": ({ name, inputs }) => ({ name: `${name}-${inputs.family}`, arn: arn("rds", `pg:${name}`) }),
    "aws:rds/instance:Instance": ({ name, inputs }) => {
        const mysql = inputs.engine === "mysql" || String(inputs.parameterGroupName ?? "").includes("mysql");
        const address = `${name}.c${hex(name, 11)}.${region()}.rds.amazonaws.com`;
        const port = Number(inputs.port ?? (mysql ? 3306 : 5432));
        return {
            identifier: name,
            arn: arn("rds", `db:${name}`),
            address,
            endpoint: `${address}:${port}`,
            port,
            resourceId: `db-${hex(name, 26).toUpperCase()}`,
            masterUserSecrets: inputs.manageMasterUserPassword
                ? [{ secretArn: arn("secretsmanager", `secret:rds!db-${hex(name, 8)}`), kmsKeyId: inputs.masterUserSecretKmsKeyId, secretStatus: "active" }]
                : [],
        };
    },
    "aws:ebs/volume:Volume": ({ name }) => ({ arn: arn("ec2", `volume/vol-${hex(name, 17)}`) }),
    "aws:route53/zone:Zone": ({ name }) => ({ zoneId: `Z${hex(name, 20).toUpperCase()}`, nameServers: [] }),
    "aws:route53/record:Record": ({ inputs }) => ({ fqdn: String(inputs.name) }),
    "aws:secretsmanager/secret:Secret": ({ name }) => ({ arn: arn("secretsmanager", `secret:${name}-${hex(name, 6)}`) }),
    "aws:s3/bucket:Bucket": ({ name }) => ({ bucket: `${name}-${hex(name, 7)}`, arn: `arn:aws:s3:::${name}-${hex(name, 7)}` }),
    "aws:ecr/repository:Repository": ({ name, inputs }) => ({
        repositoryUrl: `${MOCK_ACCOUNT}.dkr.ecr.${region()}.amazonaws.com/${inputs.name ?? name}`,
        arn: arn("ecr", `repository/${inputs.name ?? name}`),
        registryId: MOCK_ACCOUNT,
    }),
    "aws:lb/loadBalancer:LoadBalancer": ({ name, inputs }) => ({
        arn: arn("elasticloadbalancing", `loadbalancer/net/${inputs.name ?? name}/${hex(name, 16)}`),
        arnSuffix: `net/${inputs.name ?? name}/${hex(name, 16)}`,
        dnsName: `${inputs.name ?? name}-${hex(name, 10)}.elb.${region()}.amazonaws.com`,
    }),
    "aws:lb/targetGroup:TargetGroup": ({ name, inputs }) => ({
        arn: arn("elasticloadbalancing", `targetgroup/${inputs.name ?? name}/${hex(name, 16)}`),
        arnSuffix: `targetgroup/${inputs.name ?? name}/${hex(name, 16)}`,
    }),
    "aws:autoscaling/group:Group": ({ name }) => ({ name, arn: arn("autoscaling", `autoScalingGroup:${name}`) }),
    "aws:eks/cluster:Cluster": ({ name, inputs }) => ({
        name,
        arn: arn("eks", `cluster/${name}`),
        endpoint: `https://${hex(name, 32).toUpperCase()}.gr7.${region()}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from("mock-ca").toString("base64") },
        vpcConfig: { ...(inputs.vpcConfig as object), clusterSecurityGroupId: `sg-${hex(`${name}:cluster`, 17)}` },
    }),
    "aws:eks/nodeGroup:NodeGroup": ({ name }) => ({ arn: arn("eks", `nodegroup/${name}`) }),
};

const zonesOf = (r: string) => MOCK_ZONES_BY_REGION[r] ?? ["a", "b", "c"].map((z) => `${r}${z}`);

export const AWS_INVOKES: Record<string, InvokeHook> = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => {
        const names = zonesOf(region());
        return { id: region(), names, zoneIds: names.map((_, i) => `${region().replace(/-/g, "")}-az${i + 1}`), groupNames: names };
    },
    "aws:index/getRegion:getRegion": () => ({ id: region(), name: region(), region: region(), endpoint: `ec2.${region()}.amazonaws.com`, description: region() }),
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({ id: MOCK_ACCOUNT, accountId: MOCK_ACCOUNT, arn: `arn:aws:iam::${MOCK_ACCOUNT}:user/deployer`, userId: "AIDAMOCK" }),
    "aws:index/getPartition:getPartition": () => ({ id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" }),
    "aws:ec2/getAmi:getAmi": ({ inputs }) => {
        const filters = inputs.filters as { name: string; values: string[] }[];
        const arch = filters.find((f) => f.name === "architecture")?.values[0] ?? "x86_64";
        // Debian's images get ids starting ami-0d, Ubuntu's ami-0a (arm64) / ami-0b (x86_64).
        const debian = (inputs.owners as string[] | undefined)?.includes("136693071363");
        const name = filters.find((f) => f.name === "name")?.values[0].replace("*", "20261101") ?? "image";
        return { id: `ami-0${debian ? "d" : ""}${arch === "arm64" ? "a" : "b"}${hex(`${region()}:${arch}:${debian}`, debian ? 14 : 15)}`, architecture: arch, name };
    },
    "aws:ec2/getSubnet:getSubnet": ({ inputs }) => {
        const id = String(inputs.id);
        const s = MOCK_SUBNETS[id] ?? { vpcId: MOCK_VPC, zone: "a", cidr: "10.10.128.0/20" };
        return { id, vpcId: s.vpcId, availabilityZone: `${region()}${s.zone}`, cidrBlock: s.cidr, mapPublicIpOnLaunch: Boolean(s.public) };
    },
    "aws:ec2/getVpc:getVpc": ({ inputs }) => ({
        id: inputs.id,
        cidrBlock: "10.10.0.0/16",
        cidrBlockAssociations: ["10.10.0.0/16", ...(MOCK_VPC_SECONDARY_CIDRS[String(inputs.id)] ?? [])].map((cidrBlock, i) => ({ associationId: `vpc-cidr-assoc-${i}`, cidrBlock, state: "associated" })),
    }),
    "aws:ec2/getVpcEndpoint:getVpcEndpoint": ({ inputs }) => {
        if (MOCK_VPCS_WITHOUT_S3_ENDPOINT.has(String(inputs.vpcId))) throw new Error("no matching EC2 VPC Endpoint found");
        return { id: "vpce-0123456789abcdef0", vpcId: inputs.vpcId, serviceName: inputs.serviceName, vpcEndpointType: "Gateway", state: "available" };
    },
    "aws:ec2/getRouteTable:getRouteTable": ({ inputs }) => {
        const subnet = MOCK_SUBNETS[String(inputs.subnetId)];
        const routes = subnet?.public
            ? [{ cidrBlock: "0.0.0.0/0", gatewayId: "igw-0123456789abcdef0" }]
            : [{ cidrBlock: "0.0.0.0/0", natGatewayId: "nat-0123456789abcdef0" }];
        return { id: "rtb-mock", routeTableId: "rtb-mock", vpcId: subnet?.vpcId ?? inputs.vpcId, routes };
    },
    "aws:secretsmanager/getSecretVersion:getSecretVersion": ({ inputs }) => ({
        arn: inputs.secretId,
        secretString: JSON.stringify({ username: "dbadmin", password: `managed${hex(String(inputs.secretId), 16)}` }),
    }),
    "aws:ecr/getAuthorizationToken:getAuthorizationToken": ({ inputs }) => ({
        userName: "AWS", password: "mock-ecr-token", authorizationToken: "", proxyEndpoint: `https://${inputs.registryId ?? MOCK_ACCOUNT}.dkr.ecr.${region()}.amazonaws.com`,
    }),
};
