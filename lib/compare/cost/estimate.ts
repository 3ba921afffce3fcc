import { PlannedResource } from "../model";
import { matchesType, priceEntryOf, PriceTable } from "../prices";
import { get } from "../resources";
import { Part, Pricer } from "./parts";
import { AWS_PRICERS } from "./pricers-aws";
import { GCP_PRICERS } from "./pricers-gcp";

/**
 * Monthly cost from the resources a stack would create, priced from data/prices.json. Anything the
 * table cannot price goes to `unpriced` with the reason; nothing is extrapolated from another region
 * or size. Capacity on an existing cluster is not missing data but not this stack's bill either, so it
 * is kept apart.
 */
export interface UnpricedItem {
    resource: string;
    /** What is missing, the same for every resource that needs it: "rds:postgres:db.m7g.large in aws/eu-west-1". */
    item: string;
    why: string;
    /** A database server's own compute: without it no total is shown. */
    main: boolean;
}

export interface CostEstimate {
    /** Sum of the priced items. */
    known: number;
    unpriced: UnpricedItem[];
    /** Workloads on an existing Kubernetes cluster: its capacity is paid elsewhere. */
    clusterCapacity: string[];
    /** Resources billed by usage, not included. */
    usageBased: string[];
    items: { resource: string; what: string; monthly: number }[];
}

export function emptyEstimate(): CostEstimate {
    return { known: 0, unpriced: [], clusterCapacity: [], usageBased: [], items: [] };
}

export function addEstimates(a: CostEstimate, b: CostEstimate): CostEstimate {
    return {
        known: round(a.known + b.known),
        unpriced: [...a.unpriced, ...b.unpriced],
        clusterCapacity: [...a.clusterCapacity, ...b.clusterCapacity],
        usageBased: [...a.usageBased, ...b.usageBased],
        items: [...a.items, ...b.items],
    };
}

const PRICERS: Record<string, Pricer> = { ...AWS_PRICERS, ...GCP_PRICERS };

export function estimateCost(resources: readonly PlannedResource[], prices: PriceTable, providerConfig: Record<string, string>): CostEstimate {
    const est = emptyEstimate();
    const types = prices.resourceTypes;
    const gap = (r: PlannedResource, item: string, why: string, main = false) => est.unpriced.push({ resource: r.name, item, why, main });
    for (const r of resources) {
        if (!r.custom) continue;
        const pricer = PRICERS[r.type];
        if (!pricer) {
            if (r.type === "kubernetes:core/v1:Service" && ["LoadBalancer", "NodePort"].includes(String(get(r.inputs, "spec.type")))) gap(r, "cloud load balancer of a Service", "not in the price table");
            else if (matchesType(r.type, types.clusterCapacity)) est.clusterCapacity.push(r.name);
            else if (matchesType(r.type, types.usageBased)) est.usageBased.push(r.name);
            else if (!matchesType(r.type, types.free)) gap(r, `type ${r.type}`, "not in the price table");
            continue;
        }
        const parts = pricer(r, { resources });
        if (typeof parts === "string") {
            gap(r, `${r.type.split(":").pop()} ${r.name}`, parts);
            continue;
        }
        const region = regionOf(r, providerConfig);
        for (const part of parts) priceOne(est, r, part, region, prices, gap);
    }
    est.known = round(est.known);
    return est;
}

function priceOne(est: CostEstimate, r: PlannedResource, part: Part, region: string | undefined, prices: PriceTable, gap: (r: PlannedResource, item: string, why: string, main?: boolean) => void): void {
    if (part.key === "unset") return gap(r, part.what, "its size is not in the plan", part.main);
    if (!region) return gap(r, part.key, "region not set (resource region or the stack's aws:region / gcp:region)", part.main);
    const entry = priceEntryOf(prices, region, part.kind, part.key);
    if (!entry) return gap(r, `${part.key} in ${region}`, "not in the price table", part.main);
    if (entry.usd === null) return gap(r, `${part.key} in ${region}`, entry.why, part.main);
    const perMonth = part.kind === "hourly" ? entry.usd * prices.hoursPerMonth : entry.usd;
    est.items.push({ resource: r.name, what: part.what, monthly: round(perMonth * part.quantity) });
    est.known += perMonth * part.quantity;
}

/** `aws/us-east-1`: the resource's own region input wins over the stack's provider config. */
export function regionOf(r: PlannedResource, config: Record<string, string>): string | undefined {
    const cloud = r.type.split(":")[0];
    if (cloud !== "aws" && cloud !== "gcp") return undefined;
    const own = r.inputs.region;
    const zone = config["gcp:zone"]?.replace(/-[a-z]$/, "");
    const region = typeof own === "string" && own ? own : cloud === "aws" ? config["aws:region"] : (config["gcp:region"] ?? zone);
    return region ? `${cloud}/${region}` : undefined;
}

export function round(n: number): number {
    return Math.round(n * 100) / 100;
}
