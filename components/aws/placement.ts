import type { PlacementFactory } from "../contract";
import { CLOUD_HOSTED, describePlacement, IN_CLUSTER } from "../config/descriptor";
import { instance } from "../config/preset-values";

// The AWS module loads @pulumi/aws (the largest part of a program run): only when a stack uses it.
const aws = (): typeof import("./index") => require("./index");

/** AWS: EKS (or any cluster), EC2 instances, RDS. Shared VPC and EKS cluster: stack.ts. */
export const AWS_PLACEMENTS = [
    describePlacement({
        cloud: "aws",
        placement: "cluster",
        runsOn: "the stack's EKS cluster (cluster.create) or the configured one",
        ...IN_CLUSTER,
        factory: (): PlacementFactory => (name, spec, opts, shared) => aws().awsClusterDatabase(name, spec, opts, shared.aws),
    }),
    describePlacement({
        cloud: "aws",
        placement: "vm",
        runsOn: "private EC2 instances (Ubuntu 24.04), standbys in other zones",
        // Without a cluster, baked replicas run on an Auto Scaling group of private instances behind an internal NLB.
        ...CLOUD_HOSTED,
        presets: { small: instance("t4g.small", 20, 100), medium: instance("m7g.large", 100, 400), large: instance("r7g.xlarge", 500, 1000) },
        factory: (): PlacementFactory => (name, spec, opts, { aws: shared }) =>
            new (aws().AwsVmDatabase)(name, { spec, network: shared.network(spec), kubernetesProvider: shared.kubernetesProvider(spec) }, opts),
    }),
    describePlacement({
        cloud: "aws",
        placement: "managed",
        runsOn: "RDS (Multi-AZ with highAvailability), RDS read replicas",
        ...CLOUD_HOSTED,
        presets: { small: instance("db.t4g.small", 20, 200), medium: instance("db.m7g.large", 100, 800), large: instance("db.r7g.xlarge", 500, 2000) },
        // RDS for MySQL has no Performance Insights on db.t4g.small (PostgreSQL has), and the AWS placements always turn it on.
        engineOverrides: { mysql: { small: instance("db.t4g.medium", 20, 300) } },
        cloudKeys: ["masterPassword", "extendedSupport"],
        factory: (): PlacementFactory => (name, spec, opts, { aws: shared }) =>
            new (aws().AwsManagedDatabase)(name, { spec, network: shared.network(spec), kubernetesProvider: shared.kubernetesProvider(spec) }, opts),
    }),
] as const;
