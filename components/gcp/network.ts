import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { gcpOf } from "./naming";
import { formerParentUrns, formerTypeAliases } from "../renames";

/** Default range of the subnet a database network creates; GKE pods/services get auto-created secondary ranges. */
export const DEFAULT_SUBNET_CIDR = "10.20.0.0/20";
/** Google's health-check probers: must reach load-balanced backends. */
export const HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];
/** Identity-Aware Proxy TCP forwarding: the only source allowed to reach SSH. */
export const IAP_RANGE = "35.235.240.0/20";

export interface GcpNetworkArgs {
    /** Resolved spec (cloud gcp). `network.existingNetworkId` / `existingSubnetIds[0]` switch to reuse. */
    readonly spec: DatabaseSpec;
    /**
     * Reserve a range and peer it with servicenetworking so Cloud SQL gets a private IP. Default false.
     * Only on networks this component creates: a VPC has one servicenetworking connection, which its
     * owner manages when the network is reused.
     */
    readonly privateServiceAccess?: boolean;
    /**
     * Cloud NAT for VMs without external IPs that must reach the internet (package repositories, public
     * container registries). Default false. Not created on reused networks, which have their own egress.
     */
    readonly nat?: boolean;
    /** Primary range of the created subnet. Default 10.20.0.0/20. */
    readonly subnetCidr?: string;
    /**
     * The name and parent this network had when it belonged to one database (`<db>-network` under that
     * database's placement component). Aliases keep its VPC, subnet and peering in place when a stack
     * deployed that way moves to the stack network. Default: none.
     */
    readonly formerly?: { name: string; parent: pulumi.Resource };
}

const NETWORK_TYPE = "dbplace:gcp:Network";

/**
 * The private network a GCP database lives in: a custom-mode VPC with one regional subnet (Private
 * Google Access on, so VMs reach Google APIs, Artifact Registry and Cloud Storage without NAT),
 * optionally Private Service Access for Cloud SQL and Cloud NAT for package installs. Or, with
 * `network.existingNetworkId`, the same outputs for a network someone else owns.
 */
export class GcpNetwork extends pulumi.ComponentResource {
    /** Network id `projects/<p>/global/networks/<n>` (what Cloud SQL's privateNetwork and GKE take). */
    public readonly networkId: pulumi.Output<string>;
    public readonly networkSelfLink: pulumi.Output<string>;
    /** Subnetwork id or self link for instances, instance templates, forwarding rules and GKE. */
    public readonly subnetworkId: pulumi.Output<string>;
    /** Primary range of the subnet when created here; undefined for reused subnets. */
    public readonly subnetCidr?: string;
    /** Cloud SQL must wait for the peering; undefined when none was created here. */
    public readonly privateServiceConnection?: gcp.servicenetworking.Connection;
    public readonly created: boolean;

    constructor(name: string, args: GcpNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        const formerly = args.formerly;
        super(NETWORK_TYPE, name, {}, formerTypeAliases(NETWORK_TYPE, { ...opts, aliases: [...(opts?.aliases ?? []), ...(formerly ? [{ name: formerly.name, parent: formerly.parent }] : [])] }));
        const { spec } = args;
        const { project, region } = gcpOf(spec);
        const formerUrns = formerly ? formerParentUrns(formerly.name, NETWORK_TYPE, formerly.parent) : [];
        // Children keep their former logical names as aliases: `network-vpc` was `<db>-network-vpc`.
        const child = (suffix: string): pulumi.CustomResourceOptions => ({
            parent: this,
            ...(formerly ? { aliases: formerUrns.map((parent) => ({ name: `${formerly.name}-${suffix}`, parent })) } : {}),
        });
        const existing = spec.network.existingNetworkId;

        if (existing !== undefined) {
            this.created = false;
            // Accept a bare name, an id or a full self link: Cloud SQL and GKE want the id form.
            const id = existing.includes("/") ? existing.replace(/^https:\/\/www\.googleapis\.com\/compute\/v1\//, "") : `projects/${project}/global/networks/${existing}`;
            this.networkId = pulumi.output(id);
            this.networkSelfLink = pulumi.output(`https://www.googleapis.com/compute/v1/${id}`);
            // Validation requires existingSubnetIds wherever a subnet is used; Cloud SQL alone needs none.
            const subnet = spec.network.existingSubnetIds[0] ?? "";
            this.subnetworkId = pulumi.output(subnet.includes("/") ? subnet.replace(/^https:\/\/www\.googleapis\.com\/compute\/v1\//, "") : `projects/${project}/regions/${region}/subnetworks/${subnet}`);
            this.registerOutputs({ networkId: this.networkId, subnetworkId: this.subnetworkId });
            return;
        }

        this.created = true;
        this.subnetCidr = args.subnetCidr ?? DEFAULT_SUBNET_CIDR;
        const vpc = new gcp.compute.Network(`${name}-vpc`, {
            project,
            autoCreateSubnetworks: false,
            routingMode: "REGIONAL",
            description: `dbplace ${pulumi.getStack()}: private network of the stack's databases`,
        }, child("vpc"));
        // Spelled out rather than `.id`: the same form as for reused networks, whatever the provider's id format.
        this.networkId = pulumi.interpolate`projects/${project}/global/networks/${vpc.name}`;
        const subnet = new gcp.compute.Subnetwork(`${name}-subnet`, {
            project,
            region,
            network: this.networkId,
            ipCidrRange: this.subnetCidr,
            privateIpGoogleAccess: true,
            // Flow logs sampled at 10%: enough to investigate who talked to the database, cheap to keep.
            logConfig: { aggregationInterval: "INTERVAL_5_MIN", flowSampling: 0.1, metadata: "INCLUDE_ALL_METADATA" },
        }, child("subnet"));
        this.networkSelfLink = vpc.selfLink;
        this.subnetworkId = pulumi.interpolate`projects/${project}/regions/${region}/subnetworks/${subnet.name}`;

        if (args.privateServiceAccess) {
            const range = new gcp.compute.GlobalAddress(`${name}-psa-range`, {
                project,
                purpose: "VPC_PEERING",
                addressType: "INTERNAL",
                prefixLength: 20,
                network: this.networkId,
            }, child("psa-range"));
            this.privateServiceConnection = new gcp.servicenetworking.Connection(`${name}-psa`, {
                network: this.networkId,
                service: "servicenetworking.googleapis.com",
                reservedPeeringRanges: [range.name],
                // Deleting the peering fails while Cloud SQL still holds addresses in it; abandon instead.
                deletionPolicy: "ABANDON",
            }, child("psa"));
        }

        if (args.nat) {
            const router = new gcp.compute.Router(`${name}-router`, { project, region, network: this.networkId }, child("router"));
            new gcp.compute.RouterNat(`${name}-nat`, {
                project,
                region,
                router: router.name,
                natIpAllocateOption: "AUTO_ONLY",
                sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
                subnetworks: [{ name: this.subnetworkId, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
                logConfig: { enable: true, filter: "ERRORS_ONLY" },
            }, child("nat"));
        }

        this.registerOutputs({ networkId: this.networkId, subnetworkId: this.subnetworkId });
    }
}
