import { DatabaseSpec } from "../../../components/config";
import { PlannedResource } from "../model";
import { asArray, get } from "../resources";

/**
 * Who may reach a database, read off the resources the program registers (security group ingress,
 * firewalls, NetworkPolicies, published ports) rather than off the config, so the row shows what would
 * really be created. Falls back to the config's `network` keys when nothing network-shaped is recorded.
 */
export interface Exposure {
    /** "private", or "PUBLIC: <why>" when anything faces the internet. */
    reach: string;
    /** Sorted, de-duplicated client descriptions. */
    clients: string[];
}

export function exposureOf(resources: readonly PlannedResource[], spec: DatabaseSpec): Exposure {
    const publicReasons: string[] = [];
    const clients = new Set<string>();
    let seen = false;
    for (const r of resources) {
        const reader = READERS[r.type];
        if (!reader) continue;
        seen = true;
        reader(r, { pub: (why) => publicReasons.push(why), client: (who) => clients.add(who) });
    }
    if (!seen) {
        const n = spec.network;
        for (const c of n.allowedCidrs) clients.add(`cidr ${c}`);
        for (const ns of n.allowedNamespaces) clients.add(`namespace ${ns}`);
        for (const [k, v] of Object.entries(n.allowedPodLabels)) clients.add(`pods ${k}=${v}`);
        for (const sg of n.allowedSecurityGroupIds) clients.add(`sg ${sg}`);
        for (const t of n.allowedTags) clients.add(`tag ${t}`);
        return { reach: "unknown (no network resources recorded)", clients: [...clients].sort().map((c) => `${c} (config)`) };
    }
    return {
        reach: publicReasons.length > 0 ? `PUBLIC: ${[...new Set(publicReasons)].sort().join("; ")}` : "private",
        // Who the database serves first; its own servers and load-balancer probes last (narrow cells clip the end).
        clients: [...clients].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)),
    };
}

const rank = (client: string) => (/^(its own servers|Google health checks)/.test(client) ? 1 : 0);

interface Sink {
    pub(why: string): void;
    client(who: string): void;
}

const WORLD = new Set(["0.0.0.0/0", "::/0"]);
const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

function cidrs(values: unknown, sink: Sink, what: string): void {
    for (const c of asArray(values).map(String)) {
        if (WORLD.has(c)) sink.pub(`${what} open to ${c}`);
        sink.client(`cidr ${c}`);
    }
}

/** The ranges Google's load-balancer health checks come from. */
const GOOGLE_HEALTH_CHECKERS = new Set(["35.191.0.0/16", "130.211.0.0/22"]);
const DATABASE_PORTS = [5432, 3306];

/** Whether any allowed protocol/port range admits a PostgreSQL or MySQL port (no port, or -1, means all). */
function portsReachDatabase(allows: { protocol?: unknown; from?: unknown; to?: unknown }[]): boolean {
    return allows.some((a) => {
        const protocol = String(a.protocol ?? "tcp").toLowerCase();
        if (!["tcp", "all", "-1", "6"].includes(protocol)) return false;
        if (a.from === undefined || Number(a.from) === -1) return true;
        return DATABASE_PORTS.some((p) => p >= Number(a.from) && p <= Number(a.to ?? a.from));
    });
}

/** A rule that admits no database port still makes the database's network public when it is open to the world. */
function worldOnly(ranges: readonly unknown[], sink: Sink, what: string): void {
    for (const c of ranges.map(String)) if (WORLD.has(c)) sink.pub(`${what} open to ${c}`);
}

/** One reader per resource type that says something about reachability. */
const READERS: Record<string, (r: PlannedResource, sink: Sink) => void> = {
    "docker:index/container:Container": (r, sink) => {
        for (const p of asArray(r.inputs.ports) as Record<string, unknown>[]) {
            const ip = p.ip === undefined ? "0.0.0.0" : String(p.ip);
            if (LOOPBACK.has(ip)) sink.client("this host (127.0.0.1)");
            else sink.pub(`${r.name} publishes port ${String(p.internal)} on ${ip}`);
        }
    },
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": (r, sink) => {
        for (const rule of asArray(get(r.inputs, "spec.ingress")) as Record<string, unknown>[]) {
            const from = asArray(rule.from) as Record<string, unknown>[];
            if (from.length === 0) sink.client("any pod (empty from)");
            for (const peer of from) {
                const ns = get(peer, "namespaceSelector.matchLabels") as Record<string, string> | undefined;
                const pods = get(peer, "podSelector.matchLabels") as Record<string, string> | undefined;
                const block = get(peer, "ipBlock.cidr");
                if (block !== undefined) cidrs(block, sink, `NetworkPolicy ${r.name}`);
                const nsName = ns?.["kubernetes.io/metadata.name"];
                const nsText = ns === undefined ? "" : nsName ? `namespace ${nsName}` : `namespaces ${labels(ns)}`;
                const podText = pods === undefined ? "" : Object.keys(pods).length === 0 ? "any pod" : `pods ${labels(pods)}`;
                if (nsText || podText) sink.client([nsText, podText].filter(Boolean).join(" / "));
                else if (block === undefined) sink.client("any pod in its namespace");
            }
        }
    },
    "kubernetes:core/v1:Service": (r, sink) => {
        const type = get(r.inputs, "spec.type");
        if (type === "LoadBalancer" || type === "NodePort") sink.pub(`Service ${r.name} is type ${String(type)}`);
    },
    "aws:ec2/securityGroup:SecurityGroup": (r, sink) => {
        for (const rule of asArray(r.inputs.ingress) as Record<string, unknown>[]) {
            cidrs([...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks)], sink, `security group ${r.name}`);
            for (const sg of asArray(rule.securityGroups)) sink.client(`sg ${String(sg)}`);
            if (rule.self) sink.client(`members of ${r.name}`);
        }
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (r, sink) => {
        const ranges = [r.inputs.cidrIpv4, r.inputs.cidrIpv6].filter((c) => c !== undefined);
        if (!portsReachDatabase([{ from: r.inputs.fromPort, to: r.inputs.toPort, protocol: r.inputs.ipProtocol }])) return worldOnly(ranges, sink, `ingress rule ${r.name}`);
        cidrs(ranges, sink, `ingress rule ${r.name}`);
        const ref = r.inputs.referencedSecurityGroupId;
        // A group that admits itself lets the database's own servers (primary, standbys) replicate.
        if (ref !== undefined) sink.client(ref === r.inputs.securityGroupId ? `its own servers (sg ${String(ref)})` : `sg ${String(ref)}`);
        if (r.inputs.prefixListId !== undefined) sink.client(`prefix list ${String(r.inputs.prefixListId)}`);
    },
    "aws:ec2/securityGroupRule:SecurityGroupRule": (r, sink) => {
        if (r.inputs.type !== "ingress") return;
        cidrs([...asArray(r.inputs.cidrBlocks), ...asArray(r.inputs.ipv6CidrBlocks)], sink, `rule ${r.name}`);
        if (r.inputs.sourceSecurityGroupId !== undefined) sink.client(`sg ${String(r.inputs.sourceSecurityGroupId)}`);
        if (r.inputs.self) sink.client(`members of its group`);
    },
    "aws:rds/instance:Instance": (r, sink) => {
        if (r.inputs.publiclyAccessible === true) sink.pub(`RDS ${r.name} is publicly accessible`);
    },
    "aws:ec2/instance:Instance": (r, sink) => {
        if (r.inputs.associatePublicIpAddress === true) sink.pub(`instance ${r.name} has a public IP`);
    },
    "gcp:compute/firewall:Firewall": (r, sink) => {
        if (r.inputs.direction !== undefined && r.inputs.direction !== "INGRESS") return;
        const ranges = asArray(r.inputs.sourceRanges).map(String);
        const allows = (asArray(r.inputs.allows) as Record<string, unknown>[]).flatMap((a) => {
            const ports = asArray(a.ports).map(String);
            return ports.length === 0 ? [{ protocol: a.protocol }] : ports.map((p) => ({ protocol: a.protocol, from: p.split("-")[0], to: p.split("-").pop() }));
        });
        // SSH through IAP and other admin ports are not database clients (a world-open one is still reported).
        if (!portsReachDatabase(allows)) return worldOnly(ranges, sink, `firewall ${r.name}`);
        if (ranges.length > 0 && ranges.every((c) => GOOGLE_HEALTH_CHECKERS.has(c))) sink.client("Google health checks");
        else cidrs(ranges, sink, `firewall ${r.name}`);
        const targets = new Set(asArray(r.inputs.targetTags).map(String));
        for (const t of asArray(r.inputs.sourceTags).map(String)) sink.client(targets.has(t) ? `its own servers (tag ${t})` : `tag ${t}`);
        for (const sa of asArray(r.inputs.sourceServiceAccounts)) sink.client(`service account ${String(sa)}`);
    },
    "gcp:sql/databaseInstance:DatabaseInstance": (r, sink) => {
        const ip = get(r.inputs, "settings.ipConfiguration") as Record<string, unknown> | undefined;
        if (ip?.ipv4Enabled === true) sink.pub(`Cloud SQL ${r.name} has a public IPv4 address`);
        for (const n of asArray(ip?.authorizedNetworks) as Record<string, unknown>[]) cidrs(n.value, sink, `Cloud SQL ${r.name}`);
        // A private IP is reachable from the whole VPC network (and what peers with it): VPC firewall rules do not filter it.
        if (ip?.privateNetwork !== undefined) sink.client(`any host in VPC ${typeof ip.privateNetwork === "string" ? ip.privateNetwork.split("/").pop() : "network"} (private IP)`);
    },
    "gcp:compute/instance:Instance": (r, sink) => {
        const nics = asArray(r.inputs.networkInterfaces) as Record<string, unknown>[];
        if (nics.some((n) => asArray(n.accessConfigs).length > 0)) sink.pub(`instance ${r.name} has an external IP`);
    },
};

function labels(l: Record<string, string>): string {
    return Object.entries(l).map(([k, v]) => `${k}=${v}`).sort().join(",");
}

/** Alert kinds from the alarm resources each cloud records; "none" when there are none. */
export function alertsOf(resources: readonly PlannedResource[]): string[] {
    const kinds: string[] = [];
    for (const r of resources) {
        if (r.type === "aws:cloudwatch/metricAlarm:MetricAlarm") kinds.push(String(r.inputs.metricName ?? r.inputs.name ?? r.name));
        else if (r.type === "gcp:monitoring/alertPolicy:AlertPolicy") kinds.push(String(r.inputs.displayName ?? r.name));
        else if (r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule") {
            for (const g of asArray(get(r.inputs, "spec.groups")) as Record<string, unknown>[]) {
                for (const rule of asArray(g.rules) as Record<string, unknown>[]) if (rule.alert !== undefined) kinds.push(String(rule.alert));
            }
        }
    }
    return kinds.sort();
}
