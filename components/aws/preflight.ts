import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { DatabaseSpec } from "../config/validate";
import { ownRepositoryImageProblem } from "./ecr";
import { networkKey, usesAwsNetwork } from "./stack";

/** Why a database needs subnets in two zones, or undefined when one zone would do. */
function twoZoneReason(spec: DatabaseSpec): { key: string; value: string; why: string } | undefined {
    if (spec.highAvailability) return { key: "highAvailability", value: "true", why: "a standby needs a second zone" };
    if (spec.placement === "managed") return { key: "placement", value: `"managed"`, why: "RDS subnet groups span two zones" };
    if (spec.cluster.create) return { key: "cluster.create", value: "true", why: "EKS needs subnets in two zones" };
    return undefined;
}

/**
 * Checks that need the AWS API, before any resource is registered: enough availability zones for
 * what the databases ask, and reused subnets that belong to the VPC, span the zones and are private
 * (no default route to an internet gateway). Throws one ConfigError listing every problem, each key
 * named in `project`'s config namespace (the one the stack's databases are read from).
 */
export async function awsPreflight(specs: readonly DatabaseSpec[], project: string = pulumi.getProject(), stack: string = pulumi.getStack()): Promise<void> {
    const databases = specs.filter((s) => s.cloud === "aws");
    if (databases.length === 0) return;
    const problems: string[] = [];
    const key = (spec: DatabaseSpec, path: string) => `${project}:${path}${specs.length > 1 ? ` (database "${spec.name}")` : ""}`;

    for (const spec of databases) {
        const problem = ownRepositoryImageProblem(spec, stack);
        if (problem) problems.push(`${key(spec, "replicas.image")} ${problem}`);
    }

    const eksNetworks = new Set(databases.filter((s) => s.cluster.create).map(networkKey));
    if (eksNetworks.size > 1) {
        problems.push(`${project}:cluster.create is true for databases in different networks; the stack creates one EKS cluster, so give them the same network.existingNetworkId/existingSubnetIds (or none).`);
    }

    const created = databases.filter((s) => usesAwsNetwork(s) && s.network.existingNetworkId === undefined);
    if (created.length > 0) {
        const zones = await aws.getAvailabilityZones({ state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] });
        if (zones.names.length < 2) {
            const region = created[0].aws?.region ?? "the region";
            for (const spec of created) {
                const reason = twoZoneReason(spec);
                if (reason) {
                    problems.push(`${key(spec, reason.key)} is ${reason.value}, but region "${region}" has ${zones.names.length} availability zone(s) available to this account (${zones.names.join(", ") || "none"}) and ${reason.why}; pick a region with two or more, or reuse subnets in two zones (network.existingSubnetIds).`);
                }
            }
        }
    }

    const checked = new Set<string>();
    for (const spec of databases.filter((s) => usesAwsNetwork(s) && s.network.existingNetworkId !== undefined)) {
        if (checked.has(networkKey(spec))) continue;
        checked.add(networkKey(spec));
        const vpc = spec.network.existingNetworkId!;
        const subnets = await Promise.all(spec.network.existingSubnetIds.map((id) => aws.ec2.getSubnet({ id })));
        for (const subnet of subnets) {
            if (subnet.vpcId !== vpc) {
                problems.push(`${key(spec, "network.existingSubnetIds")} lists ${subnet.id}, which belongs to ${subnet.vpcId}, not network.existingNetworkId ${vpc}.`);
            }
            if (await routesToInternetGateway(subnet.id, subnet.vpcId)) {
                problems.push(`${key(spec, "network.existingSubnetIds")} lists ${subnet.id}, a public subnet (its route table sends 0.0.0.0/0 to an internet gateway); databases go in private subnets only.`);
            }
        }
        if (spec.replicas.runsOn === "vms") {
            // Every bake is pulled whole by every replica instance; ECR serves layers from S3, so without a gateway endpoint
            // the reused VPC pays the NAT's per-GB charge on each re-bake. Source: Amazon ECR User Guide, "Amazon ECR interface
            // VPC endpoints" (the S3 gateway endpoint is required for layer downloads); Amazon VPC pricing (NAT data processing).
            const s3 = `com.amazonaws.${spec.aws?.region}.s3`;
            const endpoint = await aws.ec2.getVpcEndpoint({ vpcId: vpc, serviceName: s3, filters: [{ name: "vpc-endpoint-type", values: ["Gateway"] }] }).catch(() => undefined);
            if (!endpoint) {
                problems.push(`${key(spec, "network.existingNetworkId")} is ${vpc}, which has no S3 gateway endpoint (${s3}), but replicas.kind baked runs on EC2 instances there that pull every bake's layers from S3 through the NAT; add a gateway endpoint for ${s3} to the private subnets' route tables (it is free), or run the replicas on a cluster (cluster.kubeconfig/context).`);
            }
        }
        const zones = [...new Set(subnets.map((s) => s.availabilityZone))];
        const reason = twoZoneReason(spec);
        if (zones.length < 2 && reason) {
            problems.push(`${key(spec, "network.existingSubnetIds")} are all in ${zones.join(", ")}, but ${reason.key} is ${reason.value} and ${reason.why}; add a private subnet in another zone.`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
}

/** The subnet's own route table, or the VPC's main one when it has no explicit association. */
async function routesToInternetGateway(subnetId: string, vpcId: string): Promise<boolean> {
    const table = await aws.ec2.getRouteTable({ subnetId }).catch(() =>
        aws.ec2.getRouteTable({ vpcId, filters: [{ name: "association.main", values: ["true"] }] }));
    return table.routes.some((r) => (r.cidrBlock === "0.0.0.0/0" || r.ipv6CidrBlock === "::/0") && (r.gatewayId ?? "").startsWith("igw-"));
}
