import { createHash } from "node:crypto";
import { hashNumber, InvokeHook, StateHook } from "./state";

/** Docker and Kubernetes: what the providers fill in after create. */
export const LOCAL_STATE: Record<string, StateHook> = {
    "docker:index/container:Container": ({ name, inputs }) => ({
        ports: ((inputs.ports as { internal: number; ip?: string; external?: number }[] | undefined) ?? []).map((p, i) => ({
            ...p,
            external: p.external ?? 49152 + hashNumber(`${name}:${i}`, 10000),
        })),
    }),
    "docker:index/network:Network": ({ name }) => ({ name }),
    "docker:index/volume:Volume": ({ name, inputs }) => ({ name: inputs.name ?? name, mountpoint: `/var/lib/docker/volumes/${name}/_data` }),
    "docker:index/remoteImage:RemoteImage": ({ inputs }) => ({ imageId: `sha256:${hashNumber(String(inputs.name), 1e9)}`, repoDigest: String(inputs.name) }),
    "docker:index/registryImage:RegistryImage": ({ inputs }) => ({ sha256Digest: `sha256:${String(hashNumber(String(inputs.name), 1e12)).padStart(64, "0")}` }),
    "kubernetes:core/v1:Service": ({ inputs }) => ({
        spec: { ...(inputs.spec as object), clusterIP: (inputs.spec as { clusterIP?: string } | undefined)?.clusterIP ?? `10.96.${hashNumber(String(inputs.metadata?.name), 250)}.${hashNumber(`${inputs.metadata?.name}:ip`, 250) + 1}` },
        status: {},
    }),
    "kubernetes:core/v1:Namespace": ({ inputs }) => ({ status: { phase: "Active" }, metadata: { ...inputs.metadata, uid: uid(inputs) } }),
    "kubernetes:core/v1:Secret": ({ inputs }) => ({ metadata: { ...inputs.metadata, uid: uid(inputs) } }),
    "kubernetes:core/v1:PersistentVolumeClaim": ({ inputs }) => ({ status: { phase: "Bound", capacity: inputs.spec?.resources?.requests } }),
    "kubernetes:apps/v1:StatefulSet": ({ inputs }) => ({ status: { replicas: inputs.spec?.replicas ?? 1, readyReplicas: inputs.spec?.replicas ?? 1 } }),
    "kubernetes:apps/v1:Deployment": ({ inputs }) => ({ status: { replicas: inputs.spec?.replicas ?? 1, availableReplicas: inputs.spec?.replicas ?? 1 } }),
    // Not Docker or Kubernetes, but every self-hosted placement reads it back into connection strings.
    "random:index/randomId:RandomId": ({ name, inputs }) => ({
        hex: hashNumber(name, 2 ** 32).toString(16).padStart(Number(inputs.byteLength ?? 4) * 2, "0").slice(0, Number(inputs.byteLength ?? 4) * 2),
    }),
    // A stable seed per name, so certificates derived from it are stable across mock runs too.
    "random:index/randomBytes:RandomBytes": ({ name, inputs }) => {
        const hex = createHash("sha256").update(name).digest("hex").repeat(4).slice(0, Number(inputs.length ?? 32) * 2);
        return { hex, base64: Buffer.from(hex, "hex").toString("base64") };
    },
    "random:index/randomPassword:RandomPassword": ({ name, inputs }) => ({
        result: `mock${hashNumber(name, 1e9)}${name.replace(/[^A-Za-z0-9]/g, "")}`.padEnd(Number(inputs.length ?? 16), "x").slice(0, Number(inputs.length ?? 16)),
    }),
};

/** Stable fake uid from the object's namespace and name. */
function uid(inputs: Record<string, any>): string {
    const key = `${inputs.metadata?.namespace ?? ""}/${inputs.metadata?.name ?? ""}`;
    return `00000000-0000-4000-8000-${String(hashNumber(key, 1e12)).padStart(12, "0")}`;
}

export const LOCAL_INVOKES: Record<string, InvokeHook> = {};
