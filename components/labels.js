"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.gcpLabelKey = exports.awsTagKey = exports.PROGRAM_LABEL_PREFIXES = exports.K8S_LABELS = exports.LABELS = exports.LABEL_PREFIX = void 0;
/**
 * Every label, annotation and tag key the program writes, in one place. The `dbplace.io/` keys are the
 * canonical spelling (docker labels, Kubernetes labels and annotations); AWS tags and GCP labels spell the
 * same keys their own way (`awsTagKey`, `gcpLabelKey`). The platform's policy pack reads them from here
 * too (policy/conventions.ts). Pure (no Pulumi import): the policy pack and the config floor load it.
 */
exports.LABEL_PREFIX = "dbplace.io/";
exports.LABELS = {
    /** On every object: the stack that created it. */
    stack: "dbplace.io/stack",
    /** On every object: the database it belongs to. */
    database: "dbplace.io/database",
    /** What the object is for: master, baked-replica, streaming-replica, exporter, backup, data… */
    role: "dbplace.io/role",
    /** Docker label and Kubernetes annotation: the data age a baked replica promises, in minutes. */
    maxStaleness: "dbplace.io/max-staleness-minutes",
    /** Kubernetes annotation on a self-hosted backup job: how many days of dumps it keeps. */
    backupRetention: "dbplace.io/backup-retention-days",
    /** Pod-template annotation the in-cluster bake loop writes: the digest the replicas run. */
    bakedDigest: "dbplace.io/baked-digest",
    /** Pod-template annotation the in-cluster bake loop writes: the image the replicas run. */
    bakedImage: "dbplace.io/baked-image",
    /** Pod-template annotation the in-cluster bake loop writes: the content digest of the dump it baked. */
    bakedContent: "dbplace.io/baked-content",
};
/** The Kubernetes recommended labels the cluster placement sets. */
exports.K8S_LABELS = {
    /** `dbplace` on every object of the cluster placement. */
    partOf: "app.kubernetes.io/part-of",
    /** The database's name. */
    instance: "app.kubernetes.io/instance",
    /** What a pod does: server, baked-replica, streaming-replica, dump, bake… */
    component: "app.kubernetes.io/component",
    /** The engine. */
    name: "app.kubernetes.io/name",
    managedBy: "app.kubernetes.io/managed-by",
};
/** Key prefixes the program owns on Kubernetes objects: a user's selector label must not replace them. */
exports.PROGRAM_LABEL_PREFIXES = ["app.kubernetes.io/", exports.LABEL_PREFIX];
/** `dbplace.io/x` spelled as an AWS tag key (`dbplace:x`). */
const awsTagKey = (key) => key.replace(/^dbplace\.io\//, "dbplace:");
exports.awsTagKey = awsTagKey;
/** `dbplace.io/x` spelled as a GCP label key (`dbplace-x`): GCP allows only `[a-z0-9_-]` in keys. */
const gcpLabelKey = (key) => key.replace(/^dbplace\.io\//, "dbplace-");
exports.gcpLabelKey = gcpLabelKey;
