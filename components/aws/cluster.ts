import * as pulumi from "@pulumi/pulumi";
import { ClusterDatabase } from "../cluster";
import { DatabaseSpec } from "../config/validate";
import { AwsSharedInfrastructure } from "./stack";

/**
 * The cluster placement on AWS. With cluster.create the shared in-cluster placement runs on the
 * stack's EKS cluster (eks.ts) through that cluster's explicit provider, which waits for nodes, the
 * EBS CSI driver and the default encrypted StorageClass; otherwise it uses cluster.kubeconfig/context
 * and nothing is created on AWS.
 */
export function awsClusterDatabase(name: string, spec: DatabaseSpec, opts: pulumi.ComponentResourceOptions, shared: AwsSharedInfrastructure = new AwsSharedInfrastructure([spec])): ClusterDatabase {
    return new ClusterDatabase(name, { spec, provider: shared.kubernetesProvider(spec) }, opts);
}
