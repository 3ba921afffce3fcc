import { z } from "zod";
import { AWS_PASSWORD_MODES } from "./aws";
import { CLOUD_SQL_EDITIONS } from "./gcp";
import { CLOUDS, ENGINES, MAX_BACKUP_RETENTION_DAYS, MAX_REPLICAS, PLACEMENTS, REPLICA_KINDS, SIZES } from "./schema";

/**
 * The shape of raw config, strict at every level so a typo (`placment`) is an error, not a silently
 * ignored key. Cross-key rules (placement on cloud, baked replica hosts…) live in validate.ts.
 */
const cronExpr = z.string().min(1);

export const replicasSchema = z.strictObject({
    /** none | baked | streaming. Default none. */
    kind: z.enum(REPLICA_KINDS),
    /** 0–20. Default 2 when kind is baked or streaming, else 0. */
    count: z.number().int().min(0).max(MAX_REPLICAS).optional(),
    /** Cron (5 fields, UTC) for re-bakes of baked replicas. Default: the backup schedule. */
    schedule: cronExpr.optional(),
    /** Alert when a baked replica's data is older than this. Required by the policy pack. */
    maxStalenessMinutes: z.number().int().min(1).optional(),
    /** Dump to bake from: file path, file:// or http(s):// URL of a PostgreSQL custom-format dump. */
    dump: z.string().min(1).optional(),
    /** An already baked image (e.g. from `npm run bake`) instead of building one from `dump`. */
    image: z.string().min(1).optional(),
    /**
     * Registry repository (no tag) baked images are pushed to, for replicas on Kubernetes; the tag is the dump's digest.
     * On placement cluster without `dump` or `image`, the in-cluster loop bakes the master's own dumps and pushes here.
     */
    repository: z.string().min(1).optional(),
    /** placement cluster, in-cluster loop: image of the bake Job (tools/docker/baker-image.sh). Default dbplace/baker:<engineVersion>. */
    bakerImage: z.string().min(1).optional(),
    /**
     * placement cluster, in-cluster loop: a `kubernetes.io/dockerconfigjson` Secret in the database's namespace
     * the bake Job pushes with (registries that need a login, e.g. ECR, Artifact Registry). Default: none (anonymous push).
     */
    pushSecret: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/).max(253).optional(),
    /** cluster only: run baked replicas as a Deployment behind a `-ro` Service (default) or only emit a sidecar spec. */
    mode: z.enum(["service", "sidecar"]).optional(),
    /** cluster only: HorizontalPodAutoscaler ceiling for baked replicas; off when unset. */
    maxReplicas: z.number().int().min(1).max(MAX_REPLICAS).optional(),
});

export const networkSchema = z.strictObject({
    /** Reuse an existing network (AWS VPC id, GCP network self-link/name, docker network name). Default: create one. */
    existingNetworkId: z.string().min(1).optional(),
    /** Reuse existing subnets (AWS subnet ids / GCP subnetwork). */
    existingSubnetIds: z.array(z.string().min(1)).optional(),
    /** Client CIDRs admitted to the engine port. 0.0.0.0/0 and ::/0 are refused, and so are sets that add up to them. Default: none. */
    allowedCidrs: z.array(z.string().min(1)).optional(),
    /** cluster: namespaces whose pods may connect. Default: none (only this database's own pods). */
    allowedNamespaces: z.array(z.string().min(1)).optional(),
    /** cluster: pod labels (any namespace in allowedNamespaces, or this one) whose pods may connect. */
    allowedPodLabels: z.record(z.string(), z.string()).optional(),
    /** aws: security groups whose members may connect. */
    allowedSecurityGroupIds: z.array(z.string().min(1)).optional(),
    /** gcp: network tags whose instances may connect. */
    allowedTags: z.array(z.string().min(1)).optional(),
});

export const clusterSchema = z.strictObject({
    /** Path to a kubeconfig file, or its contents. Default: the ambient kubeconfig. */
    kubeconfig: z.string().min(1).optional(),
    /** kubeconfig context. Default: the current context. */
    context: z.string().min(1).optional(),
    /** Namespace for the database's objects. Default: `db-<name>`, created by the program. */
    namespace: z.string().min(1).optional(),
    /** StorageClass for data and dump volumes. Default: the cluster default. */
    storageClass: z.string().min(1).optional(),
    /** Prometheus Operator CRDs are installed: create ServiceMonitor + PrometheusRule. Default false. */
    prometheusOperator: z.boolean().optional(),
    /** Namespace of the Prometheus that scrapes the exporter. Default `monitoring`. */
    monitoringNamespace: z.string().min(1).optional(),
    /**
     * Labels put on the ServiceMonitor and PrometheusRule, so that the Prometheus's serviceMonitorSelector
     * and ruleSelector pick them up (kube-prometheus-stack selects `release: <its Helm release>`). Default none.
     */
    prometheusSelectorLabels: z.record(z.string(), z.string()).optional(),
    /** aws/gcp: create an EKS/GKE cluster instead of using a kubeconfig. Default false. */
    create: z.boolean().optional(),
    /** gcp with create: CIDRs allowed to the GKE control plane (where `pulumi up` and operators run). Required there. */
    apiAllowedCidrs: z.array(z.string().min(1)).optional(),
    /** UID the database pods run as. Default: the engine image's server user (100 in dbplace/postgres, 999 in the official images). */
    runAsUser: z.number().int().min(1).optional(),
    /** GID (and fsGroup) of the database pods. Default: the engine image's server group, or runAsUser when only that is set. */
    runAsGroup: z.number().int().min(1).optional(),
    /** highAvailability: refuse to schedule the standby on the primary's node (pending until another node exists). Default false: preferred. */
    requireSeparateNodes: z.boolean().optional(),
});

export const backupSchema = z.strictObject({
    /** Cron (5 fields, UTC) of the logical dump. Default `17 3 * * *`. */
    schedule: cronExpr.optional(),
    /** `pvc` (default) or an object-store URL `s3://bucket/prefix` / `gs://bucket/prefix`. */
    destination: z.string().min(1).optional(),
    /** cluster: Secret holding rclone env credentials for an object-store destination. */
    credentialsSecret: z.string().min(1).optional(),
    /** cluster with an object store: IAM role ARN (s3, IRSA) or Google service account (gs, Workload Identity) of the database's ServiceAccount. */
    identity: z.string().min(1).optional(),
});

export const gcpSchema = z.strictObject({
    /** managed: Cloud SQL tier (db-custom-<vCPUs>-<MB>, db-perf-optimized-N-<vCPUs>, shared-core; db-n1-* for mysql). Default: the size preset. */
    tier: z.string().min(1).optional(),
    /** managed: ENTERPRISE | ENTERPRISE_PLUS. Default: ENTERPRISE_PLUS for db-perf-optimized tiers, else ENTERPRISE. */
    edition: z.enum(CLOUD_SQL_EDITIONS).optional(),
    /** vm: machine type of the database VMs; cluster with create: GKE node machine type. Default: the size preset / e2-standard-4. */
    machineType: z.string().min(1).optional(),
});

export const awsSchema = z.strictObject({
    /** managed: generated (default: random, kept as a Pulumi secret) | secretsManager (RDS manages and rotates it). */
    masterPassword: z.enum(AWS_PASSWORD_MODES).optional(),
    /** managed: keep running a major past its RDS end of standard support, in paid Extended Support. Default false. */
    extendedSupport: z.boolean().optional(),
});

/** Keys allowed both stack-wide and per database. */
const databaseKeys = {
    placement: z.enum(PLACEMENTS),
    engine: z.enum(ENGINES),
    engineVersion: z.string().min(1),
    size: z.enum(SIZES),
    highAvailability: z.boolean(),
    backupRetentionDays: z.number().int().min(0).max(MAX_BACKUP_RETENTION_DAYS),
    deletionProtection: z.boolean(),
    replicas: replicasSchema,
    network: networkSchema,
    cluster: clusterSchema,
    backup: backupSchema,
    /** gcp only: Cloud SQL tier/edition and machine type overrides. */
    gcp: gcpSchema,
    /** aws only: how the RDS master password is kept. */
    aws: awsSchema,
    alertEmail: z.string().min(3),
    /** docker/cluster: engine image. Default: the official image for engine + version. */
    image: z.string().min(1),
    /** docker/cluster: Prometheus exporter image. Default: the community exporter for the engine. */
    exporterImage: z.string().min(1),
} as const;

export const databaseEntrySchema = z.strictObject(databaseKeys).partial();
export type RawDatabaseEntry = z.infer<typeof databaseEntrySchema>;

export const stackSchema = databaseEntrySchema.extend({
    /** aws | gcp | local. Required. */
    cloud: z.enum(CLOUDS),
    /** name → per-database overrides of the stack-wide keys. Default: one database named `app`. */
    databases: z.record(z.string(), databaseEntrySchema).optional(),
});
export type RawStackConfig = z.infer<typeof stackSchema>;

/** Top-level keys, for the config reader (which must know which Pulumi strings to JSON-parse). */
export const OBJECT_KEYS = ["replicas", "network", "cluster", "backup", "gcp", "aws", "databases"] as const;
export const BOOLEAN_KEYS = ["highAvailability", "deletionProtection"] as const;
export const INTEGER_KEYS = ["backupRetentionDays"] as const;
export const TOP_LEVEL_KEYS = ["cloud", ...Object.keys(databaseKeys), "databases"] as const;
