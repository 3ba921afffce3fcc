import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { dnsSuffix, gcpLabels, gcpOf } from "./naming";

/**
 * A private Cloud DNS zone, visible only inside the database's network, with one round-robin `ro`
 * name over the read replicas. Cloud SQL replicas and VM standbys each have their own IP and no shared
 * endpoint; a DNS name keeps `readHost` stable while replicas come and go. Returns the read host name.
 */
export function readReplicaDns(name: string, args: {
    spec: DatabaseSpec;
    network: pulumi.Input<string>;
    replicaIps: pulumi.Input<string>[];
    parent: pulumi.Resource;
}): pulumi.Output<string> {
    const { spec } = args;
    const project = gcpOf(spec).project;
    const opts = { parent: args.parent };
    const suffix = dnsSuffix(spec);
    const zone = new gcp.dns.ManagedZone(`${name}-zone`, {
        project,
        dnsName: suffix,
        visibility: "private",
        description: `dbplace ${spec.name}: read endpoint`,
        privateVisibilityConfig: { networks: [{ networkUrl: args.network }] },
        labels: gcpLabels(spec, "dns"),
    }, opts);
    const host = `ro.${suffix}`;
    new gcp.dns.RecordSet(`${name}-ro`, {
        project,
        managedZone: zone.name,
        name: host,
        type: "A",
        // Short TTL: a replaced replica drops out of rotation within half a minute.
        ttl: 30,
        rrdatas: args.replicaIps,
    }, opts);
    return pulumi.output(host.replace(/\.$/, ""));
}
