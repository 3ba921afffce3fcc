import { isIP } from "node:net";
import { WORLD_CIDRS } from "./schema";

/**
 * CIDR arithmetic for allow-lists. Each range is an interval of addresses (a bigint range, so IPv4 and
 * IPv6 share one code path), which makes "do these ranges add up to the whole internet" an interval
 * merge. Kept dependency-free: parsing only ever sees strings `isIP` already accepted.
 */
export type Family = 4 | 6;

export interface Cidr {
    readonly family: Family;
    readonly prefix: number;
    /** First and last address, host bits ignored: that is what a firewall admits. */
    readonly first: bigint;
    readonly last: bigint;
    /** True when the address has bits set beyond the prefix. */
    readonly hostBits: boolean;
    /** The network address in canonical text, with the prefix: `10.0.0.0/8`, `2001:db8::/32`. */
    readonly network: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };
export const WORLD_BY_FAMILY: Record<Family, string> = { 4: WORLD_CIDRS[0], 6: WORLD_CIDRS[1] };

/**
 * Prefixes shorter than these are legal but admit more than any one organisation's clients: a /7 is
 * 33 million IPv4 addresses, a /31 IPv6 is several regional registries' worth of allocations.
 */
export const WIDE_PREFIX: Record<Family, number> = { 4: 8, 6: 32 };

/** Parses `addr/prefix`; undefined when it is not a CIDR. */
export function parseCidr(text: string): Cidr | undefined {
    const [addr, prefixText, extra] = text.trim().split("/");
    const family = isIP(addr ?? "");
    if ((family !== 4 && family !== 6) || prefixText === undefined || extra !== undefined || !/^\d+$/.test(prefixText)) return undefined;
    const prefix = Number(prefixText);
    const bits = BITS[family];
    if (prefix > bits) return undefined;
    const value = family === 4 ? ipv4(addr) : ipv6(addr);
    const size = 1n << BigInt(bits - prefix);
    const first = value - (value % size);
    return { family, prefix, first, last: first + size - 1n, hostBits: first !== value, network: `${format(first, family)}/${prefix}` };
}

/**
 * The families (4, 6) whose whole address space the given ranges cover together, overlapping and
 * adjacent ranges included: [0.0.0.0/1, 128.0.0.0/1] covers 4. Strings that are not CIDRs are ignored
 * (the caller reports them on their own).
 */
export function coveredFamilies(cidrs: readonly string[]): Family[] {
    const parsed = cidrs.map(parseCidr).filter((c): c is Cidr => c !== undefined);
    return ([4, 6] as const).filter((family) => {
        const ranges = parsed.filter((c) => c.family === family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
        // Sweep from address 0: every range must start at or before the next address not yet covered.
        let next = 0n;
        for (const r of ranges) {
            if (r.first > next) return false;
            if (r.last + 1n > next) next = r.last + 1n;
        }
        return next === 1n << BigInt(BITS[family]);
    });
}

/** True when the prefix is shorter than WIDE_PREFIX for its family (0.0.0.0/0 included). */
export function isWide(c: Cidr): boolean {
    return c.prefix < WIDE_PREFIX[c.family];
}

/** Why a config CIDR is unusable, or undefined. The sentence fragment goes after `is "<value>": `. */
export function cidrProblem(cidr: string): string | undefined {
    if ((WORLD_CIDRS as readonly string[]).includes(cidr.trim())) {
        return "opening a database port to the whole internet is not allowed; list the client ranges instead";
    }
    const [addr, prefix, extra] = cidr.split("/");
    const family = isIP(addr);
    if (family === 0 || prefix === undefined || extra !== undefined || !/^\d+$/.test(prefix)) {
        return "not a CIDR; write it like 10.0.0.0/16";
    }
    const max = family === 4 ? 32 : 128;
    if (Number(prefix) > max) return `the prefix must be 0-${max}`;
    if (Number(prefix) === 0) return "a /0 range is the whole internet; list the client ranges instead";
    const parsed = parseCidr(cidr);
    // Security groups, firewalls and pg_hba refuse (or silently widen) an address with host bits set.
    if (parsed?.hostBits) return `host bits are set for a /${prefix}; the network is ${parsed.network}`;
    return undefined;
}

function ipv4(addr: string): bigint {
    return addr.split(".").reduce((acc, octet) => (acc << 8n) + BigInt(Number(octet)), 0n);
}

/** Expands `::` and a trailing dotted quad (`::ffff:10.0.0.1`) into 8 groups. */
function ipv6(addr: string): bigint {
    let text = addr.toLowerCase().replace(/%.*$/, "");
    const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (quad) {
        const v4 = ipv4(quad[1]);
        text = `${text.slice(0, quad.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const left = head ? head.split(":") : [];
    const right = tail ? tail.split(":") : [];
    const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

function format(value: bigint, family: Family): string {
    if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
    const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((value >> s) & 0xffffn).toString(16));
    // RFC 5952: the longest run of two or more zero groups becomes `::`.
    let best = { at: -1, len: 0 };
    for (let i = 0; i < 8; ) {
        let j = i;
        while (j < 8 && groups[j] === "0") j++;
        if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
        i = j === i ? i + 1 : j;
    }
    if (best.at < 0) return groups.join(":");
    return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}
