import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { gcpLabels, gcpOf } from "./naming";

/**
 * An internal passthrough Network Load Balancer: one private IP in the subnet, TCP on one port,
 * backends that pass the health check. Passthrough keeps the client's address, so the backends'
 * firewall rules still decide who may connect.
 */
export function internalLoadBalancer(name: string, args: {
    spec: DatabaseSpec;
    network: pulumi.Input<string>;
    subnetwork: pulumi.Input<string>;
    instanceGroup: pulumi.Input<string>;
    healthCheck: gcp.compute.HealthCheck;
    port: number;
    parent: pulumi.Resource;
}): gcp.compute.ForwardingRule {
    const { spec } = args;
    const { project, region } = gcpOf(spec);
    const parent = { parent: args.parent };
    const backend = new gcp.compute.RegionBackendService(`${name}-backend`, {
        project,
        region,
        loadBalancingScheme: "INTERNAL",
        protocol: "TCP",
        healthChecks: args.healthCheck.id,
        backends: [{ group: args.instanceGroup, balancingMode: "CONNECTION" }],
        // Long enough for a read to finish while an instance rolls out, short enough to keep rolls quick.
        connectionDrainingTimeoutSec: 30,
    }, parent);
    return new gcp.compute.ForwardingRule(`${name}`, {
        project,
        region,
        loadBalancingScheme: "INTERNAL",
        backendService: backend.id,
        ipProtocol: "TCP",
        ports: [String(args.port)],
        network: args.network,
        subnetwork: args.subnetwork,
        allowGlobalAccess: false,
        labels: gcpLabels(spec, "read-endpoint"),
    }, parent);
}
