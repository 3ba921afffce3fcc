import { PlannedResource } from "./model";
import { matchesType, PriceTable } from "./prices";
import { asArray, get } from "./resources";

/**
 * Monthly cost from the resources a stack would create, priced from data/prices.json. Anything the
 * table cannot price exactly goes to `unknown` with the reason; nothing is extrapolated.
 */
export interface CostEstimate {
    /** Sum of the priced items. */
    known: number;
    /** Why part of the cost is not known; empty means the estimate is complete. */
    unknown: string[];
    /** Resources billed by usage, not included. */
    usageBased: string[];
    items: { resource: string; what: string; monthly: number }[];
}

export function emptyEstimate(): CostEstimate {
    return { known: 0, unknown: [], usageBased: [], items: [] };
}

export function addEstimates(a: CostEstimate, b: CostEstimate): CostEstimate {
    return { known: a.known + b.known, unknown: [...a.unknown, ...b.unknown], usageBased: [...a.usageBased, ...b.usageBased], items: [...a.items, ...b.items] };
}

/** One priced part: a price key looked up in the resource's region, times a quantity. */
interface Part {
    what: string;
    kind: "hourly" | "monthly";
    key: string;
    quantity: number;
}

type Pricer = (r: PlannedResource) => Part[] | string;

const hourly = (what: string, key: string, quantity = 1): Part => ({ what, kind: "hourly", key, quantity });
const monthly = (what: string, key: string, quantity: number): Part => ({ what, kind: "monthly", key, quantity });
const num = (v: unknown): number | undefined => (v === undefined || v === null || v === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

/** Billable types, by Pulumi type token. A string return is the reason the resource cannot be priced. */
const PRICERS: Record<string, Pricer> = {
    "aws:rds/instance:Instance": (r) => {
        const engine = String(r.inputs.engine ?? "");
        const cls = String(r.inputs.instanceClass ?? "");
        const copies = r.inputs.multiAz === true ? 2 : 1;
        const az = copies === 2 ? " Multi-AZ" : "";
        const parts = [hourly(`RDS ${engine} ${cls}${az}`, `rds:${engine}:${cls}`, copies)];
        const gb = num(r.inputs.allocatedStorage);
        if (gb === undefined) return [...parts, monthly(r.inputs.replicateSourceDb !== undefined ? "replica storage (its size follows the source)" : "storage (size not set)", "rds-storage-gb:unset", 0)];
        const type = String(r.inputs.storageType ?? (r.inputs.iops !== undefined ? "io1" : "gp2"));
        return [...parts, monthly(`${gb} GB ${type}${az}`, `rds-storage-gb:${type}`, gb * copies)];
    },
    "aws:ec2/instance:Instance": (r) => {
        const root = (r.inputs.rootBlockDevice ?? {}) as Record<string, unknown>;
        const parts = [hourly(`EC2 ${String(r.inputs.instanceType)}`, `ec2:${String(r.inputs.instanceType)}`)];
        const gb = num(root.volumeSize);
        if (gb === undefined || root.volumeType === undefined) return [...parts, monthly("root volume (size or type not set)", "ebs-gb:unset", 0)];
        return [...parts, monthly(`${gb} GB ${String(root.volumeType)} root`, `ebs-gb:${String(root.volumeType)}`, gb)];
    },
    "aws:ebs/volume:Volume": (r) => {
        const type = String(r.inputs.type ?? "gp2");
        const gb = num(r.inputs.size);
        return gb === undefined ? "EBS volume size not set" : [monthly(`${gb} GB ${type}`, `ebs-gb:${type}`, gb)];
    },
    "aws:eks/cluster:Cluster": () => [hourly("EKS control plane", "eks:cluster")],
    "aws:eks/nodeGroup:NodeGroup": (r) => {
        const type = String(asArray(r.inputs.instanceTypes)[0] ?? "t3.medium");
        const count = num(get(r.inputs, "scalingConfig.desiredSize"));
        return count === undefined ? "node group size not set" : [hourly(`${count} × EC2 ${type} nodes`, `ec2:${type}`, count)];
    },
    "aws:ec2/natGateway:NatGateway": () => [hourly("NAT gateway (hours)", "natGateway")],
    "aws:ec2/eip:Eip": () => [hourly("public IPv4 address", "publicIpv4")],
    "aws:ec2/vpcEndpoint:VpcEndpoint": (r) => (r.inputs.vpcEndpointType === "Gateway" ? [] : "interface endpoints are not in the price table"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": () => [monthly("CloudWatch alarm", "cloudwatch:alarm", 1)],
    "aws:secretsmanager/secret:Secret": () => [monthly("Secrets Manager secret", "secretsmanager:secret", 1)],
    "aws:kms/key:Key": () => [monthly("KMS key", "kms:key", 1)],
    "gcp:sql/databaseInstance:DatabaseInstance": (r) => {
        const s = (r.inputs.settings ?? {}) as Record<string, unknown>;
        const tier = String(s.tier ?? "");
        const m = /^db-custom-(\d+)-(\d+)$/.exec(tier);
        if (!m) return `Cloud SQL tier "${tier}" is not priced per vCPU/GB`;
        if (s.edition === "ENTERPRISE_PLUS") return "Cloud SQL Enterprise Plus is not in the price table";
        const copies = s.availabilityType === "REGIONAL" ? 2 : 1;
        const ha = copies === 2 ? " HA" : "";
        const vcpu = Number(m[1]);
        const memGb = Number(m[2]) / 1024;
        const diskType = String(s.diskType ?? "PD_SSD");
        const gb = num(s.diskSize) ?? 10;
        return [
            hourly(`Cloud SQL ${vcpu} vCPU${ha}`, "cloudsql:vcpu", vcpu * copies),
            hourly(`Cloud SQL ${memGb} GB memory${ha}`, "cloudsql:memory-gb", memGb * copies),
            monthly(`${gb} GB ${diskType}${ha}`, `cloudsql-storage-gb:${diskType}`, gb * copies),
        ];
    },
    "gcp:compute/instance:Instance": (r) => {
        const disk = (get(r.inputs, "bootDisk.initializeParams") ?? {}) as Record<string, unknown>;
        const parts = [hourly(`GCE ${String(r.inputs.machineType)}`, `gce:${String(r.inputs.machineType)}`)];
        const gb = num(disk.size);
        if (gb === undefined || disk.type === undefined) return [...parts, monthly("boot disk (size or type not set)", "pd-gb:unset", 0)];
        return [...parts, monthly(`${gb} GB ${String(disk.type)} boot`, `pd-gb:${String(disk.type)}`, gb)];
    },
    "gcp:compute/disk:Disk": (r) => {
        const type = String(r.inputs.type ?? "pd-standard");
        const gb = num(r.inputs.size);
        return gb === undefined ? "disk size not set" : [monthly(`${gb} GB ${type}`, `pd-gb:${type}`, gb)];
    },
    "gcp:container/cluster:Cluster": (r) => (r.inputs.enableAutopilot === true ? "GKE Autopilot is billed per pod" : [hourly("GKE cluster management", "gke:cluster")]),
    "gcp:container/nodePool:NodePool": (r) => {
        const type = String(get(r.inputs, "nodeConfig.machineType") ?? "e2-medium");
        const count = num(r.inputs.nodeCount) ?? num(r.inputs.initialNodeCount);
        const zones = Math.max(1, asArray(r.inputs.nodeLocations).length);
        return count === undefined ? "node pool size not set" : [hourly(`${count * zones} × GCE ${type} nodes`, `gce:${type}`, count * zones)];
    },
    "gcp:compute/address:Address": (r) => (r.inputs.addressType === "INTERNAL" ? [] : "external static IP address is not in the price table"),
};

export function estimateCost(resources: readonly PlannedResource[], prices: PriceTable, providerConfig: Record<string, string>): CostEstimate {
    const est = emptyEstimate();
    const types = prices.resourceTypes;
    for (const r of resources) {
        if (!r.custom) continue;
        const pricer = PRICERS[r.type];
        if (!pricer) {
            if (r.type === "kubernetes:core/v1:Service" && ["LoadBalancer", "NodePort"].includes(String(get(r.inputs, "spec.type")))) {
                est.unknown.push(`${r.name}: a cloud load balancer is not in the price table`);
            } else if (matchesType(r.type, types.clusterCapacity)) {
                est.unknown.push(`${r.name}: runs on existing cluster capacity`);
            } else if (matchesType(r.type, types.usageBased)) {
                est.usageBased.push(r.name);
            } else if (!matchesType(r.type, types.free)) {
                est.unknown.push(`${r.name}: type ${r.type} is not in the price table`);
            }
            continue;
        }
        const parts = pricer(r);
        if (typeof parts === "string") {
            est.unknown.push(`${r.name}: ${parts}`);
            continue;
        }
        const region = regionOf(r, providerConfig);
        const table = region ? prices.regions[region] : undefined;
        for (const part of parts) {
            // A part whose size the inputs do not say: unknown, not zero.
            if (part.key.endsWith(":unset")) {
                est.unknown.push(`${r.name}: ${part.what}`);
                continue;
            }
            const price = table?.[part.kind][part.key];
            if (price === undefined || price === null) {
                est.unknown.push(`${r.name}: ${region ? `no price for ${part.key} in ${region}` : "region not set (resource region or the stack's aws:region / gcp:region)"}`);
                continue;
            }
            const perMonth = part.kind === "hourly" ? price * prices.hoursPerMonth : price;
            est.items.push({ resource: r.name, what: part.what, monthly: round(perMonth * part.quantity) });
            est.known += perMonth * part.quantity;
        }
    }
    est.known = round(est.known);
    return est;
}

/** `aws/us-east-1`: the resource's own region input wins over the stack's provider config. */
function regionOf(r: PlannedResource, config: Record<string, string>): string | undefined {
    const cloud = r.type.split(":")[0];
    if (cloud !== "aws" && cloud !== "gcp") return undefined;
    const own = r.inputs.region;
    const zone = config["gcp:zone"]?.replace(/-[a-z]$/, "");
    const region = typeof own === "string" && own ? own : cloud === "aws" ? config["aws:region"] : (config["gcp:region"] ?? zone);
    return region ? `${cloud}/${region}` : undefined;
}

function round(n: number): number {
    return Math.round(n * 100) / 100;
}

/** `$12.34`, `$12.34 + unknown`, or `unknown`. */
export function formatCost(e: CostEstimate, currency: string): string {
    const money = currency === "USD" ? `$${e.known.toFixed(2)}` : `${e.known.toFixed(2)} ${currency}`;
    if (e.unknown.length === 0) return money;
    return e.known > 0 ? `${money} + unknown` : "unknown";
}
