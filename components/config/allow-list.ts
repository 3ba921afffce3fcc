import { cidrProblem, coveredFamilies, isWide, parseCidr, WIDE_PREFIX, WORLD_BY_FAMILY } from "./cidr";

/**
 * Checks on an allow-list as a whole, after each entry passed `cidrProblem`: no single entry may be the
 * internet, and neither may all of them together ([0.0.0.0/1, 128.0.0.0/1] is 0.0.0.0/0 in two halves).
 * Shared by the config validator and the policy pack, so both refuse the same sets.
 */

/** Why these ranges together are refused, or undefined. A fragment that reads after `is [...]: `. */
export function allowListProblem(cidrs: readonly string[]): string | undefined {
    if (cidrs.some((c) => cidrProblem(c) !== undefined)) return undefined;
    const covered = coveredFamilies(cidrs);
    if (covered.length === 0) return undefined;
    const worlds = covered.map((f) => `${WORLD_BY_FAMILY[f]} (every IPv${f} address)`).join(" and ");
    return `together these ranges cover ${worlds}, so the whole internet could reach the database port; list only the ranges your clients connect from, or admit them by security group, network tag or namespace instead`;
}

/** Entries legal on their own but wide enough to deserve a second look: index and sentence fragment. */
export function wideEntries(cidrs: readonly string[]): { index: number; cidr: string; why: string }[] {
    return cidrs.flatMap((cidr, index) => {
        const c = parseCidr(cidr);
        if (!c || !isWide(c) || c.prefix === 0) return [];
        const addresses = c.family === 4 ? ` (${(2 ** (32 - c.prefix)).toLocaleString("en-US")} addresses)` : "";
        return [{ index, cidr, why: `a /${c.prefix}${addresses} is wider than the /${WIDE_PREFIX[c.family]} an IPv${c.family} allow-list normally needs; it is accepted, but check that it is not meant to be narrower` }];
    });
}
