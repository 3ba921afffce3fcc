import { PlannedResource } from "../model";
import { asArray, get } from "../resources";
import { hourly, monthly, num, Part, Pricer, PricerContext, siblings, unsized } from "./parts";

/** RDS: the class per hour (twice with Multi-AZ) and the storage. A read replica takes engine and storage from its source. */
function rds(r: PlannedResource, ctx: PricerContext): Part[] {
    const replica = r.inputs.replicateSourceDb !== undefined;
    const source = replica ? ctx.resources.find((s) => s.type === r.type && s.inputs.replicateSourceDb === undefined) : r;
    const engine = String(r.inputs.engine ?? source?.inputs.engine ?? "");
    const cls = String(r.inputs.instanceClass ?? "");
    const copies = r.inputs.multiAz === true ? 2 : 1;
    const az = copies === 2 ? " Multi-AZ" : "";
    const parts = [hourly(`RDS ${engine} ${cls}${az}${replica ? " read replica" : ""}`, `rds:${engine}:${cls}`, copies, true)];
    const gb = num(r.inputs.allocatedStorage ?? source?.inputs.allocatedStorage);
    if (gb === undefined) return [...parts, unsized(replica ? "replica storage (no source in the plan)" : "storage (size not set)")];
    const type = String(r.inputs.storageType ?? source?.inputs.storageType ?? (r.inputs.iops !== undefined ? "io1" : "gp2"));
    return [...parts, monthly(`${gb} GB ${type}${az}`, `rds-storage-gb:${type}`, gb * copies)];
}

/** An Auto Scaling group: its launch template's instance type and disk, times the desired (or minimum) size. */
function asg(r: PlannedResource, ctx: PricerContext): Part[] | string {
    const template = siblings(r, ctx, "aws:ec2/launchTemplate:LaunchTemplate")[0];
    const count = num(r.inputs.desiredCapacity) ?? num(r.inputs.minSize);
    if (!template || count === undefined) return "Auto Scaling group without a launch template or size in the plan";
    const type = String(template.inputs.instanceType);
    const disk = get(asArray(template.inputs.blockDeviceMappings)[0], "ebs") as Record<string, unknown> | undefined;
    const gb = num(disk?.volumeSize);
    const parts = [hourly(`${count} × EC2 ${type}`, `ec2:${type}`, count)];
    return gb === undefined ? parts : [...parts, monthly(`${count} × ${gb} GB ${String(disk?.volumeType ?? "gp2")}`, `ebs-gb:${String(disk?.volumeType ?? "gp2")}`, gb * count)];
}

export const AWS_PRICERS: Record<string, Pricer> = {
    "aws:rds/instance:Instance": rds,
    "aws:ec2/instance:Instance": (r) => {
        const root = (r.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
        const parts = [hourly(`EC2 ${String(r.inputs.instanceType)}`, `ec2:${String(r.inputs.instanceType)}`, 1, true)];
        const gb = num(root.volumeSize);
        if (gb === undefined || root.volumeType === undefined) return [...parts, unsized("root volume (size or type not set)")];
        return [...parts, monthly(`${gb} GB ${String(root.volumeType)} root`, `ebs-gb:${String(root.volumeType)}`, gb)];
    },
    "aws:ebs/volume:Volume": (r) => {
        const type = String(r.inputs.type ?? "gp2");
        const gb = num(r.inputs.size);
        return gb === undefined ? "EBS volume size not set" : [monthly(`${gb} GB ${type}`, `ebs-gb:${type}`, gb)];
    },
    "aws:autoscaling/group:Group": asg,
    "aws:lb/loadBalancer:LoadBalancer": (r) => [hourly(`${String(r.inputs.loadBalancerType ?? "application")} load balancer (hours; capacity units excluded)`, `elb:${String(r.inputs.loadBalancerType ?? "application")}`)],
    "aws:route53/zone:Zone": () => [monthly("Route 53 hosted zone", "route53:zone", 1)],
    "aws:eks/cluster:Cluster": () => [hourly("EKS control plane", "eks:cluster")],
    "aws:eks/nodeGroup:NodeGroup": (r) => {
        const type = String(asArray(r.inputs.instanceTypes)[0] ?? "t3.medium");
        const count = num(get(r.inputs, "scalingConfig.desiredSize"));
        return count === undefined ? "node group size not set" : [hourly(`${count} × EC2 ${type} nodes`, `ec2:${type}`, count, true)];
    },
    "aws:ec2/natGateway:NatGateway": () => [hourly("NAT gateway (hours)", "natGateway")],
    "aws:ec2/eip:Eip": () => [hourly("public IPv4 address", "publicIpv4")],
    "aws:ec2/vpcEndpoint:VpcEndpoint": (r) => (r.inputs.vpcEndpointType === "Gateway" ? [] : "interface endpoints are not in the price table"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": () => [monthly("CloudWatch alarm", "cloudwatch:alarm", 1)],
    "aws:secretsmanager/secret:Secret": () => [monthly("Secrets Manager secret", "secretsmanager:secret", 1)],
    "aws:kms/key:Key": () => [monthly("KMS key", "kms:key", 1)],
};
