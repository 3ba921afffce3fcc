import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { allowListProblem } from "../config/allow-list";
import { WORLD_CIDRS } from "../config/schema";
import { awsTags, slug } from "./tags";

export interface AwsFirewallArgs {
    /** Database name, for tags. */
    readonly database: string;
    /** What the guarded members are, for names and tags: `db`, `replicas`, `replicas-lb`. */
    readonly role: string;
    /** Required. VPC of the group. */
    readonly vpcId: pulumi.Input<string>;
    /** The engine port; the only port any rule opens. */
    readonly port: number;
    /** network.allowedSecurityGroupIds. Default none. */
    readonly allowedSecurityGroupIds?: readonly string[];
    /** network.allowedCidrs (validation already refused world ranges). Default none. */
    readonly allowedCidrs?: readonly string[];
    /** Security groups of the stack's own parts admitted on the port (EKS nodes, the replica NLB). Default none. */
    readonly admit?: Record<string, pulumi.Input<string>>;
    /** Members reach each other on the port (primary ⇄ standbys). Default false. */
    readonly peers?: boolean;
    /** Create `<name>-clients`, a group whose members are admitted: attach it to app instances or pods. Default true. */
    readonly clientGroup?: boolean;
    /**
     * Outbound HTTP(S) for instances that install packages and talk to SSM, CloudWatch and ECR through
     * the NAT. Default false: RDS needs no egress, so its group has none.
     */
    readonly webEgress?: boolean;
}

/**
 * A security group per database (or replica tier) that opens the engine port only to named sources:
 * its client group, the configured security groups and CIDRs, and the stack's own parts. Rules are
 * separate resources named after their source, so editing one list entry touches one rule.
 */
export class AwsFirewall extends pulumi.ComponentResource {
    public readonly securityGroupId: pulumi.Output<string>;
    /** Members of this group may connect; undefined when `clientGroup` is false. */
    public readonly clientSecurityGroupId?: pulumi.Output<string>;

    constructor(name: string, args: AwsFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:Firewall", name, {}, opts);
        const parent = { parent: this };
        const port = args.port;
        for (const cidr of args.allowedCidrs ?? []) {
            // Validation refuses these already; a library caller might not have validated.
            if ((WORLD_CIDRS as readonly string[]).includes(cidr)) throw new Error(`${name}: ${cidr} would open port ${port} to the internet`);
        }
        const union = allowListProblem(args.allowedCidrs ?? []);
        if (union) throw new Error(`${name}: allowedCidrs ${JSON.stringify(args.allowedCidrs)}: ${union}`);

        const group = new aws.ec2.SecurityGroup(`${name}`, {
            vpcId: args.vpcId,
            description: `dbplace ${args.database} ${args.role}: port ${port} from named sources only`,
            // No inline rules: the provider then removes AWS's default allow-all egress rule.
            tags: awsTags(args.database, args.role),
        }, parent);
        this.securityGroupId = group.id;

        const ingress = (suffix: string, source: { referencedSecurityGroupId?: pulumi.Input<string>; cidrIpv4?: string; cidrIpv6?: string }, description: string) =>
            new aws.vpc.SecurityGroupIngressRule(`${name}-from-${suffix}`, {
                securityGroupId: group.id,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                description,
                ...source,
                tags: awsTags(args.database, `${args.role}-ingress`),
            }, parent);

        if (args.clientGroup ?? true) {
            const clients = new aws.ec2.SecurityGroup(`${name}-clients`, {
                vpcId: args.vpcId,
                description: `dbplace ${args.database}: members may connect to the ${args.role} on port ${port}`,
                tags: awsTags(args.database, `${args.role}-clients`),
            }, parent);
            new aws.vpc.SecurityGroupEgressRule(`${name}-clients-to-${args.role}`, {
                securityGroupId: clients.id,
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                referencedSecurityGroupId: group.id,
                description: `to the ${args.role}`,
            }, parent);
            ingress("clients", { referencedSecurityGroupId: clients.id }, "the database's client group");
            this.clientSecurityGroupId = clients.id;
        }
        for (const sg of args.allowedSecurityGroupIds ?? []) ingress(slug(sg), { referencedSecurityGroupId: sg }, "network.allowedSecurityGroupIds");
        for (const cidr of args.allowedCidrs ?? []) {
            ingress(slug(cidr), cidr.includes(":") ? { cidrIpv6: cidr } : { cidrIpv4: cidr }, "network.allowedCidrs");
        }
        for (const [label, sg] of Object.entries(args.admit ?? {})) ingress(label, { referencedSecurityGroupId: sg }, `stack: ${label}`);
        if (args.peers) {
            ingress("peers", { referencedSecurityGroupId: group.id }, "primary and standbys replicate");
            new aws.vpc.SecurityGroupEgressRule(`${name}-to-peers`, {
                securityGroupId: group.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: group.id, description: "replication",
            }, parent);
        }
        if (args.webEgress) {
            for (const web of [443, 80]) {
                // Through the NAT: apt mirrors (80 serves signed indexes), SSM, CloudWatch, ECR (443). Nothing listens inbound.
                new aws.vpc.SecurityGroupEgressRule(`${name}-to-web-${web}`, {
                    securityGroupId: group.id, ipProtocol: "tcp", fromPort: web, toPort: web, cidrIpv4: "0.0.0.0/0", description: "packages, SSM, CloudWatch, ECR via NAT",
                }, parent);
            }
        }
        this.registerOutputs({ securityGroupId: this.securityGroupId, clientSecurityGroupId: this.clientSecurityGroupId });
    }
}
