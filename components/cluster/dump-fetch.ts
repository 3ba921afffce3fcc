import { containerSecurityContext, imageUser, podSecurityContext } from "./pod";
import { K8S_LABELS } from "../labels";

/**
 * The short-lived pod `npm run rebake -- --kube-pvc` reads the newest dump through (`kubectl cp`).
 * Namespaces the program creates enforce the restricted Pod Security profile, so it is restricted too;
 * it mounts the dumps claim read-only as the image's server user, which the dump Job wrote as.
 */
export interface DumpFetchPodArgs {
    readonly name: string;
    readonly namespace: string;
    /** The dumps claim (`<db>-dumps`). */
    readonly claim: string;
    /** An image with tar, which `kubectl cp` needs; its server user reads the dumps. */
    readonly image: string;
    /** Where the claim is mounted. */
    readonly mountPath: string;
    /** The node of a pod that has the claim mounted now (see {@link claimNode}); none: the scheduler picks. */
    readonly nodeName?: string;
}

export function dumpFetchPod(a: DumpFetchPodArgs): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: a.name, namespace: a.namespace, labels: { [K8S_LABELS.partOf]: "dbplace", [K8S_LABELS.component]: "dump-fetch" } },
        spec: {
            restartPolicy: "Never",
            // A ReadWriteOnce claim attaches to one node at a time: a pod elsewhere would wait for the
            // dump Job (or the Job for it) with a Multi-Attach error. Pods on the same node share it.
            ...(a.nodeName ? { nodeName: a.nodeName } : {}),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: podSecurityContext(imageUser(a.image)),
            activeDeadlineSeconds: 3600,
            containers: [{
                name: "fetch",
                image: a.image,
                command: ["sleep", "3600"],
                securityContext: containerSecurityContext,
                resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                volumeMounts: [{ name: "dumps", mountPath: a.mountPath, readOnly: true }],
            }],
            volumes: [{ name: "dumps", persistentVolumeClaim: { claimName: a.claim, readOnly: true } }],
        },
    };
}

interface PodList {
    items: { metadata: { name: string }; spec: { nodeName?: string; volumes?: { persistentVolumeClaim?: { claimName: string } }[] }; status?: { phase?: string } }[];
}

/** The node where a live pod of `pods` (`kubectl get pods -o json`) mounts `claim`, if any. */
export function claimNode(pods: PodList, claim: string): string | undefined {
    const live = pods.items.filter((p) => p.spec.nodeName
        && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed"
        && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim));
    return live[0]?.spec.nodeName;
}
