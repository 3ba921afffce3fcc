import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsTags, zoneName } from "./tags";

/**
 * A database's private hosted zone, visible only inside its VPC: `primary.<zone>` and `ro.<zone>`
 * stay the same when instances are replaced or replicas are added, so applications never change
 * their configuration.
 */
export function privateZone(name: string, database: string, vpcId: pulumi.Input<string>, parent: pulumi.Resource): aws.route53.Zone {
    return new aws.route53.Zone(`${name}-zone`, {
        name: zoneName(database),
        comment: `dbplace ${pulumi.getStack()}/${database}: stable private names`,
        vpcs: [{ vpcId }],
        tags: awsTags(database, "zone"),
    }, { parent });
}

/**
 * One equally weighted record per target under one name: resolvers spread connections across them,
 * and the short TTL lets a removed target drain within seconds. Route 53 health checks cannot reach
 * private targets, so none is attached; RDS and EC2 recovery keep each target's name/address alive.
 */
export function weightedRecords(name: string, args: {
    zoneId: pulumi.Input<string>;
    recordName: string;
    type: "A" | "CNAME";
    targets: pulumi.Input<string>[];
}, parent: pulumi.Resource): aws.route53.Record[] {
    return args.targets.map((target, i) => new aws.route53.Record(`${name}-${i}`, {
        zoneId: args.zoneId,
        name: args.recordName,
        type: args.type,
        ttl: 10,
        records: [target],
        setIdentifier: `${i}`,
        weightedRoutingPolicies: [{ weight: 1 }],
    }, { parent }));
}

/** A plain record (the primary's stable name). */
export function simpleRecord(name: string, args: { zoneId: pulumi.Input<string>; recordName: string; type: "A" | "CNAME"; target: pulumi.Input<string> }, parent: pulumi.Resource): aws.route53.Record {
    return new aws.route53.Record(name, { zoneId: args.zoneId, name: args.recordName, type: args.type, ttl: 30, records: [args.target] }, { parent });
}
