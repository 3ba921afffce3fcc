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
    "docker:index/image:Image": ({ inputs }) => ({ repoDigest: `${inputs.imageName}@sha256:${"0".repeat(64)}`, imageName: inputs.imageName }),
    "docker:index/remoteImage:RemoteImage": ({ inputs }) => ({ imageId: `sha256:${hashNumber(String(inputs.name), 1e9)}`, repoDigest: String(inputs.name) }),
    "kubernetes:core/v1:Service": ({ inputs }) => ({ spec: { ...(inputs.spec as object), clusterIP: "10.96.0.10" }, status: {} }),
};

export const LOCAL_INVOKES: Record<string, InvokeHook> = {};
