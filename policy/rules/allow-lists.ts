import { coveredFamilies, isWide, parseCidr, WIDE_PREFIX, WORLD_BY_FAMILY } from "../../components/config/cidr";
import { allowListsOf, byRanges } from "../allow-lists";
import { isWorldCidr } from "../conventions";
import { listing } from "../resource";
import { DbplacePolicy } from "./types";

/**
 * The same refusal as the config validator's, for what reaches the engine however it was declared:
 * ranges that together cover 0.0.0.0/0 or ::/0 on a database port. A literal 0.0.0.0/0 is left to
 * dbplace-no-world-ingress-on-database-ports, so one mistake yields one violation.
 */
export const noAllowListCoveringInternet: DbplacePolicy = {
    name: "dbplace-no-allow-list-covering-internet",
    description: "Ranges admitted to a database port (security group ingress, GCP firewall sourceRanges, NetworkPolicy ipBlocks, Cloud SQL authorizedNetworks) must not add up to 0.0.0.0/0 or ::/0.",
    severity: "critical",
    remediationSteps: "List only the client ranges in network.allowedCidrs (e.g. the VPC or office ranges), or admit clients by security group, network tag or namespace.",
    validateResource: (args, report) => {
        for (const list of byRanges(allowListsOf(args.type, args.props))) {
            if (list.cidrs.some(isWorldCidr)) continue;
            const covered = coveredFamilies(list.cidrs);
            if (covered.length === 0) continue;
            report(`${args.name}: ${list.where} admits ${listing(list.cidrs)} to port ${listing(list.ports)}; together these cover ${listing(covered.map((f) => WORLD_BY_FAMILY[f]))}, the whole internet. List only the client ranges.`);
        }
    },
};

/** Legal, but wider than any one organisation's clients: an advisory nudge, never a blocked deploy. */
export const wideAllowListEntries: DbplacePolicy = {
    name: "dbplace-wide-allow-list-entries",
    description: `Ranges admitted to a database port should not be wider than /${WIDE_PREFIX[4]} (IPv4) or /${WIDE_PREFIX[6]} (IPv6).`,
    severity: "medium",
    enforcementLevel: "advisory",
    remediationSteps: "Narrow network.allowedCidrs to the ranges clients actually connect from.",
    validateResource: (args, report) => {
        for (const list of byRanges(allowListsOf(args.type, args.props))) {
            const wide = list.cidrs.filter((c) => {
                const parsed = parseCidr(c);
                return parsed !== undefined && parsed.prefix > 0 && isWide(parsed);
            });
            if (wide.length === 0) continue;
            report(`${args.name}: ${list.where} admits ${listing(wide)} to port ${listing(list.ports)}, wider than /${WIDE_PREFIX[4]} (IPv4) or /${WIDE_PREFIX[6]} (IPv6); check that no narrower client range would do.`);
        }
    },
};
