import { PolicyResource } from "@pulumi/policy";
import { coveredFamilies, WORLD_BY_FAMILY } from "../../components/config/cidr";
import { AllowList, allowListsOf } from "../allow-lists";
import { isWorldCidr } from "../conventions";
import { listing } from "../resource";
import { DbplaceStackPolicy } from "./types";

const STANDALONE = new Set(["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:ec2/securityGroupRule:SecurityGroupRule"]);

/**
 * The security group a standalone rule belongs to. Before the group exists its id is unknown (reading
 * it throws during preview); the rules dbplace creates for one group share their parent component, so
 * that stands in for it. Rules of unknown groups outside dbplace components are left alone rather than
 * lumped together.
 */
function groupOf(r: PolicyResource): string | undefined {
    try {
        const id: unknown = r.props.securityGroupId;
        if (typeof id === "string" && id !== "") return `security group ${id}`;
    } catch {
        // unknown during preview: fall through to the parent
    }
    return r.parent?.type.startsWith("dbplace:") ? `the security group of ${r.parent.name}` : undefined;
}

/**
 * AWS ingress rules declared one CIDR per resource (as dbplace declares network.allowedCidrs) can only
 * be judged together: each half of the internet is harmless alone.
 */
export const noIngressRulesCoveringInternet: DbplaceStackPolicy = {
    name: "dbplace-no-ingress-rules-covering-internet",
    description: "Separate ingress rules of one security group must not together admit 0.0.0.0/0 or ::/0 to a database port.",
    severity: "critical",
    remediationSteps: "List only the client ranges in network.allowedCidrs, or admit clients by security group.",
    validateStack: (args, report) => {
        const groups = new Map<string, Map<number, { cidrs: Set<string>; urns: string[] }>>();
        for (const r of args.resources) {
            if (!STANDALONE.has(r.type)) continue;
            const group = groupOf(r);
            if (!group) continue;
            let lists: AllowList[];
            try {
                lists = allowListsOf(r.type, r.props);
            } catch {
                continue; // a port or CIDR not known yet: judged on the next run
            }
            const ports = groups.get(group) ?? new Map();
            groups.set(group, ports);
            for (const l of lists) {
                const seen = ports.get(l.port) ?? { cidrs: new Set<string>(), urns: [] };
                ports.set(l.port, seen);
                l.cidrs.forEach((c) => seen.cidrs.add(c));
                seen.urns.push(r.urn);
            }
        }
        for (const [group, ports] of groups) {
            for (const [port, { cidrs, urns }] of ports) {
                const list = [...cidrs];
                if (urns.length < 2 || list.some(isWorldCidr)) continue;
                const covered = coveredFamilies(list);
                if (covered.length === 0) continue;
                report(`${group}: ${urns.length} ingress rules admit ${listing(list)} to port ${port}; together these cover ${listing(covered.map((f) => WORLD_BY_FAMILY[f]))}, the whole internet. List only the client ranges.`, urns[0]);
            }
        }
    },
};
