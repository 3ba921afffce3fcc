import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sharedTags } from "./tags";

/** How private subnets reach the internet: not at all, through one NAT gateway, or one per AZ. */
export type Egress = "none" | "single" | "per-az";
const EGRESS_RANK: Record<Egress, number> = { none: 0, single: 1, "per-az": 2 };
export function widerEgress(a: Egress, b: Egress): Egress {
    return EGRESS_RANK[a] >= EGRESS_RANK[b] ? a : b;
}
export function egressCovers(have: Egress, need: Egress): boolean {
    return EGRESS_RANK[have] >= EGRESS_RANK[need];
}

export interface AwsNetworkArgs {
    /** Reuse this VPC instead of creating one (then `existingSubnetIds` is required). Default: create. */
    readonly existingVpcId?: string;
    /** Private subnets of the reused VPC, in at least two AZs (checked by the pre-flight). Default: none (only valid when the VPC is created). */
    readonly existingSubnetIds?: readonly string[];
    /** CIDR of a created VPC. Default 10.42.0.0/16; private subnets take two /19s, public ones two /24s. */
    readonly cidrBlock?: string;
    /**
     * Internet egress for a created VPC's private subnets. Default `none`: RDS needs none, so a
     * managed-only stack has no internet gateway at all. Ignored for a reused VPC (its routes are yours).
     */
    readonly egress?: Egress;
}

/** Number of AZs a created VPC spans: the minimum for RDS subnet groups and EKS, and half the endpoint/NAT bill of three. */
export const CREATED_AZ_COUNT = 2;

/**
 * The private network databases live in. Created: a VPC whose database subnets have no route to an
 * internet gateway; when compute needs packages, SSM or image pulls, NAT gateways in small public
 * subnets give egress (never ingress), and a free S3 gateway endpoint keeps dump and image-layer
 * traffic off the NAT. Reused: only looked up; nothing is created.
 */
export class AwsNetwork extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly cidrBlock: pulumi.Output<string>;
    /** Every IPv4 range of the VPC (primary and secondary associations): where in-VPC clients can come from. */
    public readonly cidrBlocks: pulumi.Output<string[]>;
    /** Private subnets, one per AZ (created) or as given (reused). */
    public readonly subnetIds: pulumi.Output<string>[];
    public readonly subnetAzs: pulumi.Output<string>[];
    /** Whether this component created the VPC (and so may attach endpoints and zones to it). */
    public readonly created: boolean;
    public readonly egress: Egress;

    constructor(name: string, args: AwsNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:Network", name, {}, opts);
        const parent = { parent: this };
        this.created = args.existingVpcId === undefined;

        if (!this.created) {
            this.egress = "none";
            this.vpcId = pulumi.output(args.existingVpcId!);
            const vpc = aws.ec2.getVpcOutput({ id: args.existingVpcId }, parent);
            this.cidrBlock = vpc.cidrBlock;
            // A reused VPC may have secondary ranges (EKS pods often live in 100.64.0.0/10); clients there must be admitted too.
            this.cidrBlocks = pulumi.all([vpc.cidrBlock, vpc.cidrBlockAssociations]).apply(([primary, associations]) =>
                [...new Set([primary, ...(associations ?? []).map((a) => a.cidrBlock)])]);
            const subnets = (args.existingSubnetIds ?? []).map((id) => aws.ec2.getSubnetOutput({ id }, parent));
            this.subnetIds = subnets.map((s) => s.id);
            this.subnetAzs = subnets.map((s) => s.availabilityZone);
            this.registerOutputs({ vpcId: this.vpcId, subnetIds: this.subnetIds });
            return;
        }

        this.egress = args.egress ?? "none";
        const cidr = args.cidrBlock ?? "10.42.0.0/16";
        const [a, b] = cidr.split(".").map(Number);
        // Opt-in zones (Local Zones, Wavelength) lack RDS and EKS; the pre-flight checked there are enough of the rest.
        const zones = aws.getAvailabilityZonesOutput({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] }, parent);
        const azs = Array.from({ length: CREATED_AZ_COUNT }, (_, i) => zones.names.apply((n) => n[i % n.length]));

        const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
            cidrBlock: cidr,
            // Private hosted zones and interface endpoints resolve only with both on.
            enableDnsHostnames: true,
            enableDnsSupport: true,
            tags: sharedTags("vpc"),
        }, parent);
        // The default SG allows all traffic between its members; strip it so nothing lands there by accident.
        new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: sharedTags("default-sg-unused") }, parent);

        const privateSubnets = azs.map((az, i) => new aws.ec2.Subnet(`${name}-private-${i}`, {
            vpcId: vpc.id,
            cidrBlock: `${a}.${b}.${i * 32}.0/19`,
            availabilityZone: az,
            mapPublicIpOnLaunch: false,
            tags: { ...sharedTags(`private-${i}`), "dbplace:tier": "private", "kubernetes.io/role/internal-elb": "1" },
        }, parent));
        const privateTables = privateSubnets.map((subnet, i) => {
            const table = new aws.ec2.RouteTable(`${name}-private-${i}`, { vpcId: vpc.id, tags: sharedTags(`private-${i}`) }, parent);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: table.id }, parent);
            return table;
        });

        if (this.egress !== "none") {
            const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: sharedTags("igw") }, parent);
            const publicTable = new aws.ec2.RouteTable(`${name}-public`, {
                vpcId: vpc.id,
                routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }],
                tags: sharedTags("public"),
            }, parent);
            const natCount = this.egress === "per-az" ? CREATED_AZ_COUNT : 1;
            const nats = Array.from({ length: natCount }, (_, i) => {
                // Public subnets hold only NAT gateways: no instance ever gets a public address.
                const subnet = new aws.ec2.Subnet(`${name}-public-${i}`, {
                    vpcId: vpc.id,
                    cidrBlock: `${a}.${b}.${224 + i}.0/24`,
                    availabilityZone: azs[i],
                    mapPublicIpOnLaunch: false,
                    tags: { ...sharedTags(`public-${i}`), "dbplace:tier": "nat" },
                }, parent);
                new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicTable.id }, parent);
                const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: sharedTags(`nat-${i}`) }, parent);
                return new aws.ec2.NatGateway(`${name}-nat-${i}`, { subnetId: subnet.id, allocationId: eip.id, tags: sharedTags(`nat-${i}`) }, { parent: this, dependsOn: [igw] });
            });
            privateTables.forEach((table, i) => new aws.ec2.Route(`${name}-private-${i}-egress`, {
                routeTableId: table.id,
                destinationCidrBlock: "0.0.0.0/0",
                natGatewayId: nats[Math.min(i, nats.length - 1)].id,
            }, parent));
            // Gateway endpoints are free: dumps, AL/Ubuntu mirrors in S3 and ECR layers skip the NAT's per-GB charge.
            new aws.ec2.VpcEndpoint(`${name}-s3`, {
                vpcId: vpc.id,
                serviceName: pulumi.interpolate`com.amazonaws.${aws.getRegionOutput({}, parent).region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: privateTables.map((t) => t.id),
                tags: sharedTags("s3-endpoint"),
            }, parent);
        }

        this.vpcId = vpc.id;
        this.cidrBlock = vpc.cidrBlock;
        this.cidrBlocks = vpc.cidrBlock.apply((c) => [c]);
        this.subnetIds = privateSubnets.map((s) => s.id);
        this.subnetAzs = privateSubnets.map((s) => s.availabilityZone);
        this.registerOutputs({ vpcId: this.vpcId, cidrBlock: this.cidrBlock, subnetIds: this.subnetIds });
    }
}
