import * as gcp from "@pulumi/gcp";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { gcpLabels, gcpOf, serviceAccountId, stableZones } from "./naming";
import { GcpNetwork } from "./network";
import { formerParentUrn, formerParentUrns } from "../renames";
import { gcpLabelKey, LABELS } from "../labels";

/**
 * Daily 04:00-08:00 UTC: 4-hour occurrences, 128 h per 32 days. A weekly 4-hour window (16-20 h) is
 * below GKE's 48 h minimum and refused (config/gcp-rules.ts gkeMaintenanceProblem).
 */
export const GKE_MAINTENANCE_WINDOW = { startTime: "2024-01-07T04:00:00Z", endTime: "2024-01-07T08:00:00Z", recurrence: "FREQ=DAILY" } as const;

export interface GkeClusterArgs {
    /**
     * Resolved spec (cloud gcp, cluster.create true) of the database the cluster is named after (the first
     * that uses it): nodes are sized from its gcp.machineType, its node service account id derives from it.
     */
    readonly spec: DatabaseSpec;
    /**
     * Every database of the stack that runs on the cluster. Regional when any asks for highAvailability,
     * the API open to the union of their apiAllowedCidrs, protected unless all turned protection off.
     * Default: [spec].
     */
    readonly users?: readonly DatabaseSpec[];
    /** The cluster's former logical name and parent (one cluster per database): aliases keep it and its children in place. Default: none. */
    readonly formerly?: { name: string; parent: pulumi.Resource };
    /** Network and subnet the nodes join; it should have Cloud NAT when workloads pull public images. */
    readonly network: GcpNetwork;
    /** Node pool autoscaling ceiling per zone. Default 3. */
    readonly maxNodesPerZone?: number;
}

const GKE_TYPE = "dbplace:gcp:GkeCluster";

/**
 * The stack's private GKE cluster for `cluster.create: true` (one per stack, components/gcp/stack.ts): VPC-native (alias IPs from auto-created secondary
 * ranges), nodes without external IPs (egress through the network's Cloud NAT), Workload Identity,
 * shielded nodes, Dataplane V2 so the in-cluster placement's NetworkPolicies are enforced, and a
 * least-privilege node service account. Regional (three zones) when highAvailability is set, else
 * zonal. `provider` deploys onto it explicitly; nothing uses the ambient kubeconfig.
 */
export class GkeCluster extends pulumi.ComponentResource {
    public readonly cluster: gcp.container.Cluster;
    public readonly nodeServiceAccountEmail: pulumi.Output<string>;
    /** kubeconfig using gke-gcloud-auth-plugin: no token is stored in state. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: GkeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        const formerly = args.formerly;
        super(GKE_TYPE, name, {}, { ...opts, aliases: [...(opts?.aliases ?? []), ...(formerly ? [{ name: formerly.name, parent: formerly.parent }, { name: formerly.name, parent: formerParentUrn(formerly.parent) }] : [])] });
        const { spec, network } = args;
        const users = args.users?.length ? args.users : [spec];
        const { project, region, machineType } = gcpOf(spec);
        const formerUrns = formerly ? formerParentUrns(formerly.name, GKE_TYPE, formerly.parent) : [];
        // Children keep their former logical names as aliases: `gke-cluster` was `<db>-gke-cluster`.
        const child = (suffix: string): { parent: pulumi.Resource; aliases?: pulumi.Alias[] } => ({
            parent: this,
            ...(formerly ? { aliases: formerUrns.map((parent) => ({ name: `${formerly.name}-${suffix}`, parent })) } : {}),
        });
        const parent = { parent: this };
        const protect = users.some((u) => u.deletionProtection);
        const apiAllowedCidrs = [...new Set(users.flatMap((u) => u.cluster.apiAllowedCidrs))];
        // A stack-wide resource: billing reports should not charge it to one database.
        const labels = (role: string) => ({ ...gcpLabels(spec, role), [gcpLabelKey(LABELS.database)]: "shared" });
        const zones = stableZones(project, region, parent);

        const nodeSa = new gcp.serviceaccount.Account(`${name}-nodes-sa`, {
            project,
            accountId: serviceAccountId(spec, "gke"),
            displayName: `dbplace ${pulumi.getStack()}: GKE nodes`,
        }, child("nodes-sa"));
        this.nodeServiceAccountEmail = nodeSa.email;
        // What the GKE docs list for a minimal node account: logs, metrics, metadata; image pulls are granted per repository.
        for (const role of ["roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/monitoring.viewer", "roles/stackdriver.resourceMetadata.writer"]) {
            const suffix = `nodes-${role.split("/")[1].replace(/\./g, "-").toLowerCase()}`;
            new gcp.projects.IAMMember(`${name}-${suffix}`, {
                project,
                role,
                member: pulumi.interpolate`serviceAccount:${nodeSa.email}`,
            }, child(suffix));
        }

        const location = users.some((u) => u.highAvailability) ? pulumi.output(region) : zones.apply((z) => z[0]);
        this.cluster = new gcp.container.Cluster(`${name}-cluster`, {
            project,
            location,
            network: network.networkId,
            subnetwork: network.subnetworkId,
            networkingMode: "VPC_NATIVE",
            // Netmask-only blocks: GKE creates the secondary ranges itself, on created and reused subnets alike.
            ipAllocationPolicy: { clusterIpv4CidrBlock: "/14", servicesIpv4CidrBlock: "/20" },
            privateClusterConfig: { enablePrivateNodes: true, enablePrivateEndpoint: false },
            // The public endpoint answers only the listed ranges (where `pulumi up` and operators run) and the
            // network's own subnet; Google Cloud's public IPs are not let in either.
            masterAuthorizedNetworksConfig: {
                cidrBlocks: [...(network.subnetCidr ? [network.subnetCidr] : []), ...apiAllowedCidrs].map((cidrBlock) => ({ cidrBlock, displayName: cidrBlock === network.subnetCidr ? "stack network" : "cluster.apiAllowedCidrs" })),
                gcpPublicCidrsAccessEnabled: false,
            },
            workloadIdentityConfig: { workloadPool: `${project}.svc.id.goog` },
            enableShieldedNodes: true,
            datapathProvider: "ADVANCED_DATAPATH",
            releaseChannel: { channel: "REGULAR" },
            removeDefaultNodePool: true,
            initialNodeCount: 1,
            monitoringConfig: { enableComponents: ["SYSTEM_COMPONENTS"], managedPrometheus: { enabled: true } },
            maintenancePolicy: { recurringWindow: { ...GKE_MAINTENANCE_WINDOW } },
            resourceLabels: labels("cluster"),
            deletionProtection: protect,
        }, { ...child("cluster"), protect, retainOnDelete: protect, ignoreChanges: ["location"] });

        const pool = new gcp.container.NodePool(`${name}-nodes`, {
            project,
            location,
            cluster: this.cluster.name,
            initialNodeCount: 1,
            autoscaling: { minNodeCount: 1, maxNodeCount: args.maxNodesPerZone ?? 3 },
            management: { autoRepair: true, autoUpgrade: true },
            nodeConfig: {
                machineType,
                diskType: "pd-balanced",
                diskSizeGb: 50,
                serviceAccount: nodeSa.email,
                oauthScopes: ["https://www.googleapis.com/auth/cloud-platform"],
                shieldedInstanceConfig: { enableSecureBoot: true, enableIntegrityMonitoring: true },
                workloadMetadataConfig: { mode: "GKE_METADATA" },
                resourceLabels: labels("node"),
                metadata: { "disable-legacy-endpoints": "true" },
            },
        }, { ...child("nodes"), ignoreChanges: ["location"] });

        this.kubeconfig = pulumi.secret(pulumi.interpolate`apiVersion: v1
kind: Config
clusters:
- name: ${this.cluster.name}
  cluster:
    server: https://${this.cluster.endpoint}
    certificate-authority-data: ${this.cluster.masterAuth.clusterCaCertificate}
contexts:
- name: ${this.cluster.name}
  context: {cluster: ${this.cluster.name}, user: ${this.cluster.name}}
current-context: ${this.cluster.name}
users:
- name: ${this.cluster.name}
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      installHint: Install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin).
      provideClusterInfo: true
`);
        // Workloads wait for nodes: a Deployment applied to a cluster without a pool never gets ready.
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { ...child("k8s"), dependsOn: [pool] });
        this.registerOutputs({ clusterName: this.cluster.name, endpoint: this.cluster.endpoint });
    }
}
