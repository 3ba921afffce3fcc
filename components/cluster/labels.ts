import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { K8S_LABELS, LABELS } from "../labels";

/** What a pod does for its database; part of every selector so Services never mix roles. */
export type Component = "server" | "baked-replica" | "streaming-replica" | "dump" | "bake";

/**
 * Labels that selectors use. Kept to the three that never change for the life of a database: selectors
 * of StatefulSets and Deployments are immutable, so anything mutable (stack, engine version) stays out.
 */
export function selectorLabels(spec: DatabaseSpec, component: Component): Record<string, string> {
    return {
        [K8S_LABELS.partOf]: "dbplace",
        [K8S_LABELS.instance]: spec.name,
        [K8S_LABELS.component]: component,
    };
}

/** Every pod of this database, whatever its role: the "own pods" peer of the NetworkPolicies. */
export function databasePods(spec: DatabaseSpec): Record<string, string> {
    return { [K8S_LABELS.partOf]: "dbplace", [K8S_LABELS.instance]: spec.name };
}

/** Labels on every object, so `kubectl get all -l dbplace.io/stack=prod` finds a stack's pieces. */
export function objectLabels(spec: DatabaseSpec, component: Component): Record<string, string> {
    return {
        ...selectorLabels(spec, component),
        [K8S_LABELS.name]: spec.engine,
        [K8S_LABELS.managedBy]: "pulumi",
        [LABELS.stack]: labelValue(pulumi.getStack()),
    };
}

/**
 * Labels of a Namespace the program creates for a database. Every pod it puts there meets the restricted
 * Pod Security profile; enforcing it keeps anything weaker from landing next to the data.
 */
export function namespaceLabels(spec: DatabaseSpec): Record<string, string> {
    const { [K8S_LABELS.component]: _component, ...rest } = objectLabels(spec, "server");
    return { ...rest, "pod-security.kubernetes.io/enforce": "restricted" };
}

/** Metadata for an object of this database: explicit names, so two databases never share one. */
export function meta(spec: DatabaseSpec, namespace: pulumi.Input<string>, name: string, component: Component) {
    return { name, namespace, labels: objectLabels(spec, component) };
}

/** Label values are at most 63 characters and start and end alphanumeric; stack names may not be. */
function labelValue(text: string): string {
    return text.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "") || "unnamed";
}

/** In-cluster DNS name of a Service; `<svc>.<ns>.svc` resolves whatever the cluster domain is. */
export function serviceHost(service: pulumi.Input<string>, namespace: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`${service}.${namespace}.svc`;
}

/**
 * Kubernetes names of a database's objects, in one place: derived from the database name (unique in a
 * stack, a DNS label of at most 30 characters), so databases sharing a namespace never collide.
 */
export function objectNames(spec: DatabaseSpec) {
    const n = spec.name;
    return {
        statefulSet: n,
        headless: `${n}-headless`,
        readWrite: `${n}-rw`,
        readOnly: `${n}-ro`,
        credentials: `${n}-credentials`,
        init: `${n}-init`,
        exporterQueries: `${n}-exporter`,
        bakedExporterQueries: `${n}-baked-exporter`,
        dumps: `${n}-dumps`,
        dumpJob: `${n}-dump`,
        standbys: `${n}-replica`,
        baked: `${n}-baked`,
        reader: `${n}-reader`,
        replicaTls: `${n}-replica-tls`,
        serverSecret: `${n}-server`,
        standbySecret: `${n}-replica-server`,
        monitorSecret: `${n}-monitor`,
        serviceAccount: n,
        dumpServiceAccount: `${n}-dump`,
        baker: `${n}-baker`,
        firstBake: `${n}-bake-first`,
        rebake: `${n}-rebake`,
    };
}
