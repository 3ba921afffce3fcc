import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { allowListProblem } from "../config/allow-list";
import { cidrProblem, DatabaseSpec } from "../config/validate";
import { Component, databasePods, meta, selectorLabels } from "./labels";

type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;

export interface AdmitArgs {
    readonly spec: DatabaseSpec;
    readonly namespace: pulumi.Input<string>;
    /** Kubernetes name of the policy. */
    readonly policyName: string;
    /** Whose pods the policy guards. */
    readonly component: Component;
    /** The engine port clients connect to. */
    readonly port: number;
    /** The exporter port Prometheus scrapes. */
    readonly metricsPort: number;
}

/** Client peers from `network.*`: pod labels in this namespace and/or the allowed namespaces, and CIDRs. */
export function clientPeers(spec: DatabaseSpec): Peer[] {
    const { allowedNamespaces, allowedPodLabels, allowedCidrs } = spec.network;
    const pods = Object.keys(allowedPodLabels).length > 0 ? { podSelector: { matchLabels: allowedPodLabels } } : undefined;
    const peers: Peer[] = [];
    if (pods) peers.push(pods);
    for (const ns of allowedNamespaces) peers.push({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } }, ...pods });
    const union = allowListProblem(allowedCidrs);
    if (union) throw new Error(`network.allowedCidrs ${JSON.stringify(allowedCidrs)}: ${union}.`);
    for (const cidr of allowedCidrs) {
        // Validation refuses these already; the component is also a library entry point, so check again.
        const problem = cidrProblem(cidr);
        if (problem) throw new Error(`network.allowedCidrs contains "${cidr}": ${problem}.`);
        peers.push({ ipBlock: { cidr } });
    }
    return peers;
}

/**
 * Ingress for one role's pods. Selecting them with policyTypes Ingress is itself the default deny: only
 * the listed rules admit traffic. Every rule names its peers: a rule with no `from` would admit everyone.
 * Egress stays open (standbys reach the primary, dumps reach object stores).
 */
export function admitPolicy(name: string, a: AdmitArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy {
    const clients = clientPeers(a.spec);
    const tcp = (port: number) => [{ protocol: "TCP", port }];
    return new k8s.networking.v1.NetworkPolicy(name, {
        metadata: meta(a.spec, a.namespace, a.policyName, a.component),
        spec: {
            podSelector: { matchLabels: selectorLabels(a.spec, a.component) },
            policyTypes: ["Ingress"],
            ingress: [
                { from: [{ podSelector: { matchLabels: databasePods(a.spec) } }], ports: tcp(a.port) },
                ...(clients.length > 0 ? [{ from: clients, ports: tcp(a.port) }] : []),
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": a.spec.cluster.monitoringNamespace } } }],
                    ports: tcp(a.metricsPort),
                },
            ],
        },
    }, opts);
}
