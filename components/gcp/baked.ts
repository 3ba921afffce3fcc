import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { BAKED } from "../bake";
import { DatabaseSpec } from "../config/validate";
import { ClusterBakedReplicas } from "../cluster/baked";
import { connectionUri } from "../contract";
import { DECLARED, gcpLabelKey, stalenessDeclaration } from "../declarations";
import { readerPassword } from "../replicas/reader";
import { createHash } from "node:crypto";
import { DatabaseTls } from "../tls";
import { bakedReplicaStartupScript } from "./baked-vm-init";
import { readReplicaDns } from "./dns";
import { engineFirewall, iapSshFirewall } from "./firewall";
import { GcpSharedInfrastructure } from "./stack";
import { internalLoadBalancer } from "./internal-lb";
import { dnsSuffix, gcpLabels, gcpOf, networkTag, serviceAccountId, stableZones, stackScopedId } from "./naming";
import { regionalSurge } from "../config/gcp-rules";
import { GcpNetwork } from "./network";
import { bakedImage, bakedRegistry } from "./registry";
import { formerTypeAliases } from "../renames";

export interface GcpBakedReplicasArgs {
    /** Resolved spec of the master (vm or managed on gcp) with replicas.kind baked. */
    readonly spec: DatabaseSpec;
    /** The master's network: replica VMs, their load balancer and a created GKE cluster join it. */
    readonly network: GcpNetwork;
    /** What the stack's GCP databases share: the GKE cluster replicas run on with cluster.create. Default: shared with no other database. */
    readonly shared?: GcpSharedInfrastructure;
    /** The master's admin password: the reader role's password derives from it (components/replicas/reader.ts). */
    readonly masterPassword: pulumi.Input<string>;
    /** Bucket of the master's scheduled dumps, which the re-bake job may read. Default: none. */
    readonly dumpBucket?: pulumi.Input<string>;
    /** Image family (project/family) of replica VMs: Debian 12, as the database VMs and the VM test tier. Default debian-cloud/debian-12. */
    readonly imageFamily?: string;
}

/**
 * Image-baked read replicas for a GCP master. The image lives in an Artifact Registry repository of
 * the stack. With a cluster configured (kubeconfig/context, or cluster.create for a private GKE) the
 * replicas are a Deployment there; otherwise a regional managed instance group of private COS VMs
 * runs the image behind an internal passthrough load balancer, autohealed by a health check and
 * rolled surge-first so a new bake never drops read capacity. The VMs serve TLS only, with a
 * certificate for the private read name (`ro.<database>.<stack>.dbplace.internal`) that resolves to
 * the load balancer; the key reaches them through Secret Manager.
 */
export class GcpBakedReplicas extends pulumi.ComponentResource {
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly imageRef: pulumi.Output<string>;
    /** Service account the re-bake job runs as (push + read dumps). */
    public readonly bakerServiceAccount: pulumi.Output<string>;
    /** CA of the replicas' certificate on the instance group; empty on a cluster, which mounts none yet. */
    public readonly caCert: pulumi.Output<string>;

    constructor(name: string, args: GcpBakedReplicasArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:gcp:BakedReplicas", name, {}, formerTypeAliases("dbplace:gcp:BakedReplicas", opts));
        const { spec, network } = args;
        const { project, region, replicaMachineType } = gcpOf(spec);
        const parent = { parent: this };
        const password = readerPassword(args.masterPassword);

        if (spec.replicas.runsOn === "cluster") {
            const gke = spec.cluster.create ? (args.shared ?? new GcpSharedInfrastructure([spec])).gke(spec, this, name) : undefined;
            const registry = bakedRegistry(`${name}-registry`, { spec, pullers: gke ? [gke.nodeServiceAccountEmail] : [], dumpBucket: args.dumpBucket, parent: this });
            this.imageRef = bakedImage(`${name}-image`, { spec, registry, readerPassword: password, parent: this });
            this.bakerServiceAccount = registry.bakerEmail;
            const replicas = new ClusterBakedReplicas(`${name}-k8s`, { spec, readerPassword: password, provider: gke?.provider, image: this.imageRef }, parent);
            this.readHost = replicas.readHost;
            this.readPort = replicas.readPort;
            this.readConnectionSecret = replicas.readConnectionSecret;
            this.caCert = pulumi.output("");
            this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, imageRef: this.imageRef });
            return;
        }

        const tag = networkTag(spec, "ro");
        const sa = new gcp.serviceaccount.Account(`${name}-sa`, {
            project,
            accountId: serviceAccountId(spec, "replica"),
            displayName: `dbplace ${spec.name}: baked replica VMs`,
        }, parent);
        for (const role of ["roles/logging.logWriter", "roles/monitoring.metricWriter"]) {
            new gcp.projects.IAMMember(`${name}-sa-${role.split("/")[1].replace(/\./g, "-").toLowerCase()}`, {
                project,
                role,
                member: pulumi.interpolate`serviceAccount:${sa.email}`,
            }, parent);
        }
        const registry = bakedRegistry(`${name}-registry`, { spec, pullers: [sa.email], dumpBucket: args.dumpBucket, parent: this });
        this.bakerServiceAccount = registry.bakerEmail;
        this.imageRef = bakedImage(`${name}-image`, { spec, registry, readerPassword: password, parent: this });

        // The name clients connect to, known before anything exists: the certificate covers it, the zone points it at the load balancer.
        const readName = `ro.${dnsSuffix(spec)}`.replace(/\.$/, "");
        const tls = new DatabaseTls(`${name}-tls`, { commonName: `${pulumi.getStack()}/${spec.name}-ro`, subjectAltNames: [readName] }, parent);
        const tlsSecret = new gcp.secretmanager.Secret(`${name}-tls`, {
            project,
            secretId: stackScopedId(spec, "replica-tls"),
            replication: { userManaged: { replicas: [{ location: region }] } },
            labels: gcpLabels(spec, "replica-tls"),
        }, parent);
        const tlsValue = new gcp.secretmanager.SecretVersion(`${name}-tls-v`, {
            secret: tlsSecret.id,
            secretData: pulumi.secret(pulumi.jsonStringify({ cert: tls.serverCert, key: tls.serverKey })),
        }, parent);
        const tlsReader = new gcp.secretmanager.SecretIamMember(`${name}-tls-reader`, {
            project,
            secretId: tlsSecret.secretId,
            role: "roles/secretmanager.secretAccessor",
            member: pulumi.interpolate`serviceAccount:${sa.email}`,
        }, parent);

        const [imageProject, family] = (args.imageFamily ?? "debian-cloud/debian-12").split("/");
        const bootImage = gcp.compute.getImageOutput({ project: imageProject, family }, parent).selfLink;
        const labels = gcpLabels(spec, "baked-replica");
        const template = new gcp.compute.InstanceTemplate(`${name}-template`, {
            project,
            machineType: replicaMachineType,
            disks: [{ boot: true, autoDelete: true, sourceImage: bootImage, diskType: "pd-balanced", diskSizeGb: 20, labels }],
            // No accessConfigs: private only. Images come from Artifact Registry through Private Google Access, Docker's package through Cloud NAT.
            networkInterfaces: [{ subnetwork: network.subnetworkId }],
            serviceAccount: { email: sa.email, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
            metadata: {
                "startup-script": bakedReplicaStartupScript(spec, {
                    image: this.imageRef,
                    tlsSecret: tlsSecret.secretId,
                    certificateDigest: tls.serverCert.apply((c) => createHash("sha256").update(c).digest("hex")),
                }),
                "enable-oslogin": "TRUE",
                "block-project-ssh-keys": "TRUE",
            },
            shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
            tags: [tag],
            // The promised data age (when the stack set one), where the policy pack reads it. Templates are immutable,
            // so a new promise is a new template and a surge-first roll, like a new bake.
            labels: { ...labels, ...stalenessDeclaration(spec, gcpLabelKey(DECLARED.maxStaleness)) },
        }, parent);

        const healthCheck = new gcp.compute.HealthCheck(`${name}-health`, {
            project,
            checkIntervalSec: 5,
            timeoutSec: 5,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
            tcpHealthCheck: { port: BAKED.port },
        }, parent);
        const zones = stableZones(project, region, parent);
        const autoscaled = spec.replicas.maxReplicas !== undefined;
        const group = new gcp.compute.RegionInstanceGroupManager(`${name}-mig`, {
            project,
            region,
            baseInstanceName: `${spec.name}-ro`,
            distributionPolicyZones: zones,
            versions: [{ name: "baked", instanceTemplate: template.selfLinkUnique }],
            targetSize: autoscaled ? undefined : spec.replicas.count,
            namedPorts: [{ name: "postgres", port: BAKED.port }],
            autoHealingPolicies: { healthCheck: healthCheck.id, initialDelaySec: 120 },
            // A new image: add replacements first, remove none before they serve. A fixed surge on a regional group must be
            // 0 or at least its zone count (config/gcp-rules.ts regionalSurge).
            updatePolicy: {
                type: "PROACTIVE",
                minimalAction: "REPLACE",
                replacementMethod: "SUBSTITUTE",
                maxSurgeFixed: zones.apply((z) => regionalSurge(z.length, 3)),
                maxUnavailableFixed: 0,
                instanceRedistributionType: "PROACTIVE",
            },
            waitForInstances: true,
            waitForInstancesStatus: "UPDATED",
        // The VMs read the certificate on first boot: the grant and the value exist before any of them starts.
        }, { ...parent, dependsOn: [tlsValue, tlsReader], ignoreChanges: [...(autoscaled ? ["targetSize"] : []), "distributionPolicyZones"] });
        if (autoscaled) {
            new gcp.compute.RegionAutoscaler(`${name}-autoscaler`, {
                project,
                region,
                target: group.id,
                autoscalingPolicy: {
                    minReplicas: spec.replicas.count,
                    maxReplicas: spec.replicas.maxReplicas!,
                    cooldownPeriod: 60,
                    cpuUtilization: { target: 0.7 },
                },
            }, parent);
        }

        engineFirewall(`${name}-fw`, { spec, network: network.networkId, targetTag: tag, port: BAKED.port, healthChecks: true, parent: this });
        iapSshFirewall(`${name}-fw`, { spec, network: network.networkId, targetTag: tag, parent: this });
        const lb = internalLoadBalancer(`${name}-ilb`, {
            spec, network: network.networkId, subnetwork: network.subnetworkId, instanceGroup: group.instanceGroup, healthCheck, port: BAKED.port, parent: this,
        });

        this.readHost = readReplicaDns(`${name}-dns`, { spec, network: network.networkId, replicaIps: [lb.ipAddress], parent: this });
        this.readPort = pulumi.output(BAKED.port);
        this.caCert = tls.caCert;
        this.readConnectionSecret = connectionUri({
            scheme: "postgresql",
            username: BAKED.readerRole,
            password,
            host: this.readHost,
            port: this.readPort,
            database: spec.databaseName,
            params: "?sslmode=verify-full",
        });
        this.registerOutputs({ readHost: this.readHost, readPort: this.readPort, imageRef: this.imageRef, bakerServiceAccount: this.bakerServiceAccount });
    }
}
