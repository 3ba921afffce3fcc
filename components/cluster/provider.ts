import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";

/**
 * An explicit provider even for the ambient kubeconfig: every object then records which cluster it lives
 * on, and pointing `cluster.context` elsewhere later shows up as a provider change that deletion
 * protection stops, instead of silently re-creating the database on another cluster.
 */
export function clusterProvider(name: string, spec: DatabaseSpec, parent: pulumi.Resource): k8s.Provider {
    return new k8s.Provider(`${name}-k8s`, {
        // A kubeconfig given inline carries credentials; a path is harmless as a secret.
        kubeconfig: spec.cluster.kubeconfig === undefined ? undefined : pulumi.secret(spec.cluster.kubeconfig),
        context: spec.cluster.context,
    }, { parent });
}
