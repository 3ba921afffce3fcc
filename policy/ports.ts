import { DATABASE_PORT_NAMES, DATABASE_PORTS } from "./conventions";

/**
 * Which database ports a firewall-style rule opens. Providers spell "every port" differently (`-1`,
 * `all`, a missing port list), and a range like 3000-6000 opens 3306 and 5432 without naming them, so
 * the rules ask this module instead of comparing numbers themselves.
 */
const ALL_PROTOCOLS = ["-1", "all"];
const TCP = ["tcp", "6"];

/** Database ports inside [from, to] for an AWS-style rule (`protocol` -1/all/tcp/6). */
export function databasePortsInRange(protocol: unknown, from: unknown, to: unknown, ports: readonly number[] = DATABASE_PORTS): number[] {
    const p = String(protocol ?? "").toLowerCase();
    if (ALL_PROTOCOLS.includes(p)) return [...ports];
    if (!TCP.includes(p)) return [];
    const lo = typeof from === "number" ? from : 0;
    const hi = typeof to === "number" ? to : 65535;
    // AWS writes "all ports" as 0-0 or -1 with protocol -1 only; for tcp, 0-0 means nothing useful.
    return ports.filter((port) => port >= lo && port <= hi);
}

/** Database ports a GCP firewall `allows` entry opens: `{protocol: "tcp", ports: ["5432", "3000-4000"]}`. */
export function databasePortsInGcpAllow(allow: { protocol?: unknown; ports?: unknown }, ports: readonly number[] = DATABASE_PORTS): number[] {
    const p = String(allow.protocol ?? "").toLowerCase();
    if (p === "all") return [...ports];
    if (!TCP.includes(p)) return [];
    const list = Array.isArray(allow.ports) ? (allow.ports as unknown[]).map(String) : [];
    if (list.length === 0) return [...ports];
    return ports.filter((port) =>
        list.some((entry) => {
            const [a, b] = entry.split("-").map((n) => Number(n.trim()));
            return b === undefined ? port === a : port >= a && port <= b;
        }),
    );
}

/**
 * Database ports a NetworkPolicy ingress rule admits. No `ports` admits every port; named ports are
 * resolved against the pods, so a database-sounding name counts as the database port.
 */
export function databasePortsInNetworkPolicyRule(rule: { ports?: { port?: number | string }[] }, ports: readonly number[] = DATABASE_PORTS): number[] {
    if (!rule.ports?.length) return [...ports];
    return ports.filter((dp) => rule.ports!.some((rp) => Number(rp.port) === dp || DATABASE_PORT_NAMES.includes(String(rp.port))));
}
