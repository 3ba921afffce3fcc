import { ENGINE_PROFILES } from "../components/config/engines";
import { DATABASE_PORTS } from "./conventions";
import { databasePortsInGcpAllow, databasePortsInNetworkPolicyRule, databasePortsInRange } from "./ports";

/**
 * The address ranges a resource admits to a database port, one list per port, gathered from every
 * rule of the resource that opens that port: two rules each admitting half the internet on 5432 admit
 * all of it. The rules judge the lists; this module only knows the providers' shapes.
 */
export interface AllowList {
    /** Where the ranges come from, for messages: `ingress`, `sourceRanges`, `authorizedNetworks`. */
    readonly where: string;
    readonly port: number;
    readonly cidrs: string[];
}

interface AwsRule { fromPort?: number; toPort?: number; protocol?: string; cidrBlocks?: unknown; ipv6CidrBlocks?: unknown }
interface NetpolRule { from?: { ipBlock?: { cidr?: unknown } }[]; ports?: { port?: number | string }[] }

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : typeof v === "string" ? [v] : []);

export function allowListsOf(type: string, p: Record<string, any>): AllowList[] {
    const perPort = new Map<number, Set<string>>();
    const admit = (ports: number[], cidrs: string[]) => {
        for (const port of ports) for (const c of cidrs) perPort.set(port, (perPort.get(port) ?? new Set()).add(c));
    };
    let where = "";
    switch (type) {
        case "aws:ec2/securityGroup:SecurityGroup":
            where = "ingress";
            for (const r of (p.ingress ?? []) as AwsRule[]) admit(databasePortsInRange(r.protocol, r.fromPort, r.toPort), [...strings(r.cidrBlocks), ...strings(r.ipv6CidrBlocks)]);
            break;
        case "aws:ec2/securityGroupRule:SecurityGroupRule":
            where = "the ingress rule";
            if (p.type === "ingress") admit(databasePortsInRange(p.protocol, p.fromPort, p.toPort), [...strings(p.cidrBlocks), ...strings(p.ipv6CidrBlocks)]);
            break;
        case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
            where = "the ingress rule";
            admit(databasePortsInRange(p.ipProtocol, p.fromPort, p.toPort), [...strings(p.cidrIpv4), ...strings(p.cidrIpv6)]);
            break;
        case "gcp:compute/firewall:Firewall":
            where = "sourceRanges";
            if ((p.direction ?? "INGRESS") !== "INGRESS" || p.disabled === true) break;
            admit([...new Set(((p.allows ?? []) as { protocol?: string; ports?: string[] }[]).flatMap((a) => databasePortsInGcpAllow(a)))], strings(p.sourceRanges));
            break;
        case "kubernetes:networking.k8s.io/v1:NetworkPolicy":
            // An ipBlock's `except` is ignored: 0.0.0.0/0 minus the private ranges is still the internet.
            where = "ingress ipBlocks";
            for (const r of (p.spec?.ingress ?? []) as NetpolRule[]) admit(databasePortsInNetworkPolicyRule(r), (r.from ?? []).flatMap((peer) => strings(peer.ipBlock?.cidr)));
            break;
        case "gcp:sql/databaseInstance:DatabaseInstance":
            // Cloud SQL authorized networks admit the instance's only port, whichever engine it runs.
            where = "settings.ipConfiguration.authorizedNetworks";
            admit(cloudSqlPorts(p.databaseVersion), ((p.settings?.ipConfiguration?.authorizedNetworks ?? []) as { value?: unknown }[]).flatMap((n) => strings(n.value)));
            break;
    }
    return [...perPort].filter(([, cidrs]) => cidrs.size > 0).map(([port, cidrs]) => ({ where, port, cidrs: [...cidrs] }));
}

/** Lists with the same ranges on several ports, merged so a message names each set once. */
export function byRanges(lists: AllowList[]): { where: string; ports: number[]; cidrs: string[] }[] {
    const merged = new Map<string, { where: string; ports: number[]; cidrs: string[] }>();
    for (const l of lists) {
        const k = JSON.stringify([l.where, [...l.cidrs].sort()]);
        const seen = merged.get(k);
        if (seen) seen.ports.push(l.port);
        else merged.set(k, { where: l.where, ports: [l.port], cidrs: l.cidrs });
    }
    return [...merged.values()];
}

/** POSTGRES_17 → 5432, MYSQL_8_4 → 3306; unknown versions count as every database port. */
function cloudSqlPorts(version: unknown): number[] {
    const v = String(version ?? "").toUpperCase();
    if (v.startsWith("POSTGRES")) return [ENGINE_PROFILES.postgres.port];
    if (v.startsWith("MYSQL")) return [ENGINE_PROFILES.mysql.port];
    return [...DATABASE_PORTS];
}
