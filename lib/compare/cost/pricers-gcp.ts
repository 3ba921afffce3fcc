import { PlannedResource } from "../model";
import { asArray, get } from "../resources";
import { hourly, monthly, num, Part, Pricer, PricerContext, siblings, unsized } from "./parts";

/** Cloud SQL custom tiers: per vCPU and per GB of memory, doubled for REGIONAL, plus the disk. */
function cloudSql(r: PlannedResource): Part[] | string {
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
        hourly(`Cloud SQL ${vcpu} vCPU${ha}`, "cloudsql:vcpu", vcpu * copies, true),
        hourly(`Cloud SQL ${memGb} GB memory${ha}`, "cloudsql:memory-gb", memGb * copies, true),
        monthly(`${gb} GB ${diskType}${ha}`, `cloudsql-storage-gb:${diskType}`, gb * copies),
    ];
}

/** A managed instance group: its template's machine and boot disk, times the target size (or the autoscaler's minimum). */
function mig(r: PlannedResource, ctx: PricerContext): Part[] | string {
    const template = siblings(r, ctx, "gcp:compute/instanceTemplate:InstanceTemplate")[0];
    const scaler = siblings(r, ctx, "gcp:compute/regionAutoscaler:RegionAutoscaler")[0];
    const count = num(r.inputs.targetSize) ?? num(get(scaler?.inputs, "autoscalingPolicy.minReplicas"));
    if (!template || count === undefined) return "instance group without a template or size in the plan";
    const type = String(template.inputs.machineType);
    const disk = asArray(template.inputs.disks)[0] as Record<string, unknown> | undefined;
    const gb = num(disk?.diskSizeGb);
    const parts = [hourly(`${count} × GCE ${type}`, `gce:${type}`, count)];
    return gb === undefined ? parts : [...parts, monthly(`${count} × ${gb} GB ${String(disk?.diskType)}`, `pd-gb:${String(disk?.diskType)}`, gb * count)];
}

export const GCP_PRICERS: Record<string, Pricer> = {
    "gcp:sql/databaseInstance:DatabaseInstance": cloudSql,
    "gcp:compute/instance:Instance": (r) => {
        const disk = (get(r.inputs, "bootDisk.initializeParams") ?? {}) as Record<string, unknown>;
        const type = String(r.inputs.machineType).split("/").pop();
        const parts = [hourly(`GCE ${type}`, `gce:${type}`, 1, true)];
        const gb = num(disk.size);
        if (gb === undefined || disk.type === undefined) return [...parts, unsized("boot disk (size or type not set)")];
        return [...parts, monthly(`${gb} GB ${String(disk.type)} boot`, `pd-gb:${String(disk.type)}`, gb)];
    },
    "gcp:compute/disk:Disk": (r) => {
        const type = String(r.inputs.type ?? "pd-standard");
        const gb = num(r.inputs.size);
        return gb === undefined ? "disk size not set" : [monthly(`${gb} GB ${type}`, `pd-gb:${type}`, gb)];
    },
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": mig,
    "gcp:compute/forwardingRule:ForwardingRule": () => [hourly("forwarding rule (hours; data processed excluded)", "forwardingRule")],
    "gcp:container/cluster:Cluster": (r) => (r.inputs.enableAutopilot === true ? "GKE Autopilot is billed per pod" : [hourly("GKE cluster management", "gke:cluster")]),
    "gcp:container/nodePool:NodePool": (r) => {
        const type = String(get(r.inputs, "nodeConfig.machineType") ?? "e2-medium");
        const count = num(r.inputs.nodeCount) ?? num(r.inputs.initialNodeCount);
        const zones = Math.max(1, asArray(r.inputs.nodeLocations).length);
        return count === undefined ? "node pool size not set" : [hourly(`${count * zones} × GCE ${type} nodes`, `gce:${type}`, count * zones, true)];
    },
    "gcp:compute/address:Address": (r) => (r.inputs.addressType === "INTERNAL" ? [] : "external static IP address is not in the price table"),
};
