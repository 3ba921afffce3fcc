import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { gcpOf } from "./naming";
import { HEALTH_CHECK_RANGES, IAP_RANGE } from "./network";

/**
 * Ingress rules for instances the placements run. GCP denies ingress by default, so every rule here
 * is an allow for one port, one target tag and named sources; none has 0.0.0.0/0 (validation refuses
 * it in allowedCidrs, and the fixed ranges are Google's probers and IAP).
 */
export interface FirewallArgs {
    /** Resolved spec: network.allowedCidrs and allowedTags are the client sources. */
    readonly spec: DatabaseSpec;
    /** Network id the rules belong to. */
    readonly network: pulumi.Input<string>;
    /** Instances the rules apply to. */
    readonly targetTag: string;
    /** The engine (or baked replica) port. */
    readonly port: number;
    /** Extra source tags on the engine port (the primary for standbys, the database's own VMs). Default none. */
    readonly peerTags?: string[];
    /** Admit Google's health-check ranges on the port (load-balanced or autohealed instances). Default false. */
    readonly healthChecks?: boolean;
    /** Component the rules are children of. */
    readonly parent: pulumi.Resource;
}

export function engineFirewall(name: string, args: FirewallArgs): gcp.compute.Firewall[] {
    const { spec } = args;
    const project = gcpOf(spec).project;
    const opts = { parent: args.parent };
    const port = String(args.port);
    const rules: gcp.compute.Firewall[] = [];
    const clients = spec.network.allowedCidrs;
    const clientTags = [...spec.network.allowedTags, ...(args.peerTags ?? [])];
    // A rule with no source would match nothing (GCP rejects it); no clients configured means no rule.
    if (clients.length > 0 || clientTags.length > 0) {
        rules.push(new gcp.compute.Firewall(`${name}-clients`, {
            project,
            network: args.network,
            direction: "INGRESS",
            description: `dbplace ${spec.name}: clients to tcp:${port}`,
            allows: [{ protocol: "tcp", ports: [port] }],
            sourceRanges: clients.length > 0 ? clients : undefined,
            sourceTags: clientTags.length > 0 ? clientTags : undefined,
            targetTags: [args.targetTag],
            logConfig: { metadata: "INCLUDE_ALL_METADATA" },
        }, opts));
    }
    if (args.healthChecks) {
        rules.push(new gcp.compute.Firewall(`${name}-health-checks`, {
            project,
            network: args.network,
            direction: "INGRESS",
            description: `dbplace ${spec.name}: Google health checks to tcp:${port}`,
            allows: [{ protocol: "tcp", ports: [port] }],
            sourceRanges: HEALTH_CHECK_RANGES,
            targetTags: [args.targetTag],
        }, opts));
    }
    return rules;
}

/** SSH only through Identity-Aware Proxy (OS Login decides who); no other source may reach port 22. */
export function iapSshFirewall(name: string, args: { spec: DatabaseSpec; network: pulumi.Input<string>; targetTag: string; parent: pulumi.Resource }): gcp.compute.Firewall {
    return new gcp.compute.Firewall(`${name}-iap-ssh`, {
        project: gcpOf(args.spec).project,
        network: args.network,
        direction: "INGRESS",
        description: `dbplace ${args.spec.name}: SSH via IAP only`,
        allows: [{ protocol: "tcp", ports: ["22"] }],
        sourceRanges: [IAP_RANGE],
        targetTags: [args.targetTag],
    }, { parent: args.parent });
}
