import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { scramVerifier } from "../bake";
import { CURRENT_TAG } from "../bake/loop-job";
import { DatabaseSpec } from "../config/validate";
import { meta, objectLabels, objectNames } from "./labels";
import { containerSecurityContext, ImageUser, podSecurityContext } from "./pod";
import { SECRET_KEYS } from "./server";

const WORK = "/work";
const DUMP_FILE = `${WORK}/dump.pgdump`;
const DOCKER_CONFIG = "/etc/dbplace/push";

/** How the Job's first container waits for the primary and dumps it where the bake container reads it. */
export function loopDumpScript(file = DUMP_FILE): string {
    return [
        "set -eu",
        // A new pod's NetworkPolicy allowance is programmed a moment after it starts: wait rather than fail.
        'i=0; until pg_isready -q -h "$DB_HOST" -p "$DB_PORT" -t 2; do i=$((i + 1)); [ "$i" -lt 60 ] || { echo "database $DB_HOST:$DB_PORT not reachable after 60 tries" >&2; exit 1; }; sleep 1; done',
        `pg_dump -Fc --no-owner -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -f "${file}.partial"`,
        `mv "${file}.partial" "${file}"`,
        `echo "dumped $(stat -c %s "${file}") bytes"`,
    ].join("\n");
}

export interface BakeLoopArgs {
    readonly spec: DatabaseSpec;
    readonly namespace: pulumi.Input<string>;
    /** Service of the primary, and its engine port. */
    readonly host: pulumi.Input<string>;
    readonly port: number;
    /** The primary's credentials Secret (SECRET_KEYS). */
    readonly secret: pulumi.Input<string>;
    /** Password of the baked images' reader role; only its SCRAM verifier reaches the Job. */
    readonly readerPassword: pulumi.Input<string>;
    /** The replicas' Deployment the loop rolls (created after the first bake). */
    readonly deploymentName: string;
    /** User the Job runs as: the baker image's postgres, the one that owns the baked data. */
    readonly user: ImageUser;
    /** The first bake waits for these (the primary). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export interface BakeLoop {
    /** What the replicas run: the tag every bake moves. */
    readonly image: string;
    /** The bake at first deploy; the replicas' Deployment waits for it. */
    readonly firstBake: k8s.batch.v1.Job;
    readonly cronJob: k8s.batch.v1.CronJob;
}

/**
 * The re-bake loop in the cluster: a Job at first deploy and a CronJob on `replicas.schedule` (default: the
 * backup schedule) each dump the primary, bake the dump with the daemonless baker, push `<repo>:<digest>`
 * and `<repo>:current`, and roll the replicas by annotating their pod template (components/bake/loop-job.ts).
 * Pulumi owns neither the tag's target nor that annotation, so a later `pulumi up` keeps the newest bake.
 */
export function bakeLoop(name: string, a: BakeLoopArgs, opts: pulumi.CustomResourceOptions): BakeLoop {
    const { spec } = a;
    const names = objectNames(spec);
    const repository = spec.replicas.repository!;
    const account = new k8s.core.v1.ServiceAccount(`${name}-baker`, {
        metadata: meta(spec, a.namespace, names.baker, "bake"),
    }, opts);
    // Exactly what a roll needs: read and patch the one Deployment, nothing else in the namespace.
    const role = new k8s.rbac.v1.Role(`${name}-baker`, {
        metadata: meta(spec, a.namespace, names.baker, "bake"),
        rules: [{ apiGroups: ["apps"], resources: ["deployments"], resourceNames: [a.deploymentName], verbs: ["get", "patch"] }],
    }, opts);
    new k8s.rbac.v1.RoleBinding(`${name}-baker`, {
        metadata: meta(spec, a.namespace, names.baker, "bake"),
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace: a.namespace }],
    }, opts);
    const verifier = new k8s.core.v1.Secret(`${name}-baker`, {
        metadata: meta(spec, a.namespace, names.baker, "bake"),
        type: "Opaque",
        stringData: pulumi.secret({ readerVerifier: pulumi.output(a.readerPassword).apply(scramVerifier) }),
    }, opts);

    const resources = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "2", memory: "2Gi" } };
    const template: k8s.types.input.core.v1.PodTemplateSpec = {
        metadata: { labels: objectLabels(spec, "bake") },
        spec: {
            restartPolicy: "Never",
            serviceAccountName: account.metadata.name,
            automountServiceAccountToken: true,
            enableServiceLinks: false,
            securityContext: podSecurityContext(a.user),
            initContainers: [{
                name: "dump",
                image: spec.image,
                command: ["sh", "-c", loopDumpScript()],
                env: [
                    { name: "DB_HOST", value: a.host },
                    { name: "DB_PORT", value: String(a.port) },
                    { name: "DB_NAME", value: spec.databaseName },
                    { name: "DB_USER", valueFrom: { secretKeyRef: { name: a.secret, key: SECRET_KEYS.username } } },
                    { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: a.secret, key: SECRET_KEYS.password } } },
                ],
                volumeMounts: [{ name: "work", mountPath: WORK }],
                resources,
                securityContext: containerSecurityContext,
            }],
            containers: [{
                name: "bake",
                image: spec.replicas.bakerImage!,
                env: [
                    { name: "DBPLACE_DUMP", value: DUMP_FILE },
                    { name: "DBPLACE_REPOSITORY", value: repository },
                    { name: "DBPLACE_DATABASE", value: spec.databaseName },
                    { name: "DBPLACE_PG_MAJOR", value: spec.engineVersion },
                    { name: "DBPLACE_SOURCE", value: `${pulumi.getStack()}/${spec.name} in-cluster loop` },
                    { name: "DBPLACE_DEPLOYMENT", value: pulumi.interpolate`${a.namespace}/${a.deploymentName}` },
                    { name: "DBPLACE_READER_VERIFIER", valueFrom: { secretKeyRef: { name: verifier.metadata.name, key: "readerVerifier" } } },
                    { name: "HOME", value: WORK },
                    // go-containerregistry's keychain reads $DOCKER_CONFIG/config.json.
                    ...(spec.replicas.pushSecret ? [{ name: "DOCKER_CONFIG", value: DOCKER_CONFIG }] : []),
                ],
                volumeMounts: [{ name: "work", mountPath: WORK }, ...(spec.replicas.pushSecret ? [{ name: "push", mountPath: DOCKER_CONFIG, readOnly: true }] : [])],
                resources,
                securityContext: containerSecurityContext,
            }],
            volumes: [
                { name: "work", emptyDir: {} },
                ...(spec.replicas.pushSecret
                    ? [{ name: "push", secret: { secretName: spec.replicas.pushSecret, items: [{ key: ".dockerconfigjson", path: "config.json" }], defaultMode: 0o440 } }]
                    : []),
            ],
        },
    };

    const firstBake = new k8s.batch.v1.Job(`${name}-bake-first`, {
        metadata: meta(spec, a.namespace, names.firstBake, "bake"),
        spec: { backoffLimit: 2, template },
    }, { ...opts, dependsOn: a.dependsOn });
    const cronJob = new k8s.batch.v1.CronJob(`${name}-rebake`, {
        metadata: meta(spec, a.namespace, names.rebake, "bake"),
        spec: {
            schedule: spec.replicas.schedule ?? spec.backup.schedule,
            timeZone: "Etc/UTC",
            concurrencyPolicy: "Forbid",
            startingDeadlineSeconds: 600,
            successfulJobsHistoryLimit: 2,
            // Kept so `kube_job_status_failed` (kube-state-metrics) shows a failed bake to the alert.
            failedJobsHistoryLimit: 3,
            jobTemplate: { metadata: { labels: objectLabels(spec, "bake") }, spec: { backoffLimit: 1, template } },
        },
    }, opts);
    return { image: `${repository}:${CURRENT_TAG}`, firstBake, cronJob };
}
