import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackupIdentity, DatabaseSpec } from "../config/validate";
import { Component, meta, objectNames } from "./labels";

/** The annotation each cloud's workload identity reads on a ServiceAccount. */
export const IDENTITY_ANNOTATION: Record<BackupIdentity["kind"], string> = {
    // IRSA: the EKS pod identity webhook gives pods of this account credentials of the role.
    "aws-role": "eks.amazonaws.com/role-arn",
    // GKE Workload Identity: the metadata server answers pods of this account as the Google service account.
    "gcp-service-account": "iam.gke.io/gcp-service-account",
};

/**
 * A database's own ServiceAccounts, so its pods never run as the namespace's `default`: one for the
 * servers and replicas, which need no cloud access, and one for the dump Job, which alone carries the
 * cloud identity of `backup.identity`. (Both webhooks hand credentials to every pod of an annotated
 * account whatever its token settings, so sharing one would give the database server the bucket.)
 */
export function serviceAccounts(name: string, spec: DatabaseSpec, namespace: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): { server: k8s.core.v1.ServiceAccount; dump: k8s.core.v1.ServiceAccount } {
    const names = objectNames(spec);
    const account = (suffix: string, accountName: string, component: Component, annotations?: Record<string, string>) => new k8s.core.v1.ServiceAccount(`${name}-${suffix}`, {
        metadata: { ...meta(spec, namespace, accountName, component), annotations },
        automountServiceAccountToken: false,
    }, opts);
    const identity = spec.backup.destination !== "pvc" ? spec.backup.identity : undefined;
    return {
        server: account("sa", names.serviceAccount, "server"),
        dump: account("dump-sa", names.dumpServiceAccount, "dump", identity ? { [IDENTITY_ANNOTATION[identity.kind]]: identity.value } : undefined),
    };
}
