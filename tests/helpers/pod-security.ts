/**
 * The checks of the Kubernetes "restricted" Pod Security Standard (baseline included), as the
 * PodSecurity admission plugin applies them to a pod spec: https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * Returns one sentence per violation; empty when the namespace label `enforce: restricted` admits it.
 */
export function restrictedViolations(pod: Record<string, any>): string[] {
    const out: string[] = [];
    const containers: any[] = [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
    const psc = pod.securityContext ?? {};
    for (const k of ["hostNetwork", "hostPID", "hostIPC"]) if (pod[k]) out.push(`${k} is true`);
    if (psc.windowsOptions?.hostProcess) out.push("hostProcess");
    const allowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
    for (const v of pod.volumes ?? []) {
        const kinds = Object.keys(v).filter((k) => k !== "name");
        for (const k of kinds) if (!allowedVolumes.includes(k)) out.push(`volume ${v.name} is ${k}`);
    }
    if (psc.sysctls?.length) out.push("sysctls set");
    if (psc.seLinuxOptions?.type && !["container_t", "container_init_t", "container_kvm_t"].includes(psc.seLinuxOptions.type)) out.push("SELinux type");
    if (psc.runAsUser === 0) out.push("pod runAsUser 0");
    const podSeccomp = psc.seccompProfile?.type;
    for (const c of containers) {
        const sc = c.securityContext ?? {};
        const who = `container ${c.name}`;
        if (sc.privileged) out.push(`${who} is privileged`);
        if (sc.allowPrivilegeEscalation !== false) out.push(`${who} does not set allowPrivilegeEscalation false`);
        if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) out.push(`${who} does not set runAsNonRoot`);
        if (sc.runAsUser === 0) out.push(`${who} runAsUser 0`);
        const seccomp = sc.seccompProfile?.type ?? podSeccomp;
        if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") out.push(`${who} has no RuntimeDefault/Localhost seccomp profile`);
        if (!(sc.capabilities?.drop ?? []).includes("ALL")) out.push(`${who} does not drop ALL capabilities`);
        for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${who} adds ${cap}`);
        for (const p of c.ports ?? []) if (p.hostPort) out.push(`${who} uses hostPort ${p.hostPort}`);
        if (sc.procMount && sc.procMount !== "Default") out.push(`${who} procMount ${sc.procMount}`);
    }
    return out;
}
