// Runs a container of a pod the program rendered (recorded by the mock runner) in Docker, as the
// kubelet would: its command or args, its env with Secret values filled in, its user, group and
// fsGroup, its ConfigMap files and its claim on a named volume prepared the way the kubelet prepares
// an fsGroup volume. Everything carries the run's label so cleanup finds only what this run made.
import * as fs from "fs";
import * as path from "path";
import { docker, dockerOk } from "../../../components/bake/docker";
import { RUN_ID, tempDir } from "./env";

/**
 * Its own label key: other docker-tier files remove every container labelled `dbplace.e2e` after
 * their run, which would pull these out from under a test running at the same time.
 */
export const LABEL = "dbplace.e2e.pods";

/** Host directories handed to containers as ConfigMap and Secret volumes; removed with the run. */
const hostDirs: string[] = [];
function hostDir(prefix: string): string {
    const dir = tempDir(prefix);
    fs.chmodSync(dir, 0o755);
    hostDirs.push(dir);
    return dir;
}

type Pod = Record<string, any>;

export interface PodContainerRun {
    /** Docker container name. */
    readonly name: string;
    readonly pod: Pod;
    /** Container of the pod to run. Default: the first. */
    readonly container?: string;
    /** `<secret>/<key>` → value, for env `secretKeyRef`s. */
    readonly secrets?: Record<string, string>;
    /** ConfigMap name → its data, for configMap volumes. */
    readonly configMaps?: Record<string, Record<string, string>>;
    /** Secret name → its data, for secret volumes (files group-readable by fsGroup, as the kubelet makes them). */
    readonly secretVolumes?: Record<string, Record<string, string>>;
    /** Pod volume or claim name → docker volume (made with {@link claimVolume}). */
    readonly claims?: Record<string, string>;
    /** Docker network, or `container:<name>` for a container of the same pod. */
    readonly network: string;
    readonly aliases?: string[];
    /** The pod name (what HOSTNAME is in a pod). */
    readonly hostname: string;
    /** Replaces the container's command (e.g. to put a server in a state the test needs). */
    readonly command?: string[];
}

/** `docker volume create` + the kubelet's fsGroup treatment: group-owned by fsGroup, setgid, group-writable. */
export async function claimVolume(name: string, image: string, fsGroup: number): Promise<string> {
    await dockerOk(["volume", "create", "--label", `${LABEL}=${RUN_ID}`, name]);
    await dockerOk(["run", "--rm", "--label", `${LABEL}=${RUN_ID}`, "--user", "0", "--entrypoint", "sh", "-v", `${name}:/v`, image, "-c", `chgrp ${fsGroup} /v && chmod 2770 /v`]);
    return name;
}

/** Where a local volume's files are on this host (the test runs as root next to dockerd). */
export async function volumePath(name: string): Promise<string> {
    return (await dockerOk(["volume", "inspect", "-f", "{{.Mountpoint}}", name])).trim();
}

/** docker run -d of one container of a rendered pod; returns the container name. */
export async function runPodContainer(r: PodContainerRun): Promise<string> {
    const spec = r.pod;
    const c = (spec.containers as any[]).find((x) => r.container === undefined || x.name === r.container);
    if (!c) throw new Error(`no container ${r.container} in the pod`);
    const sc = spec.securityContext ?? {};
    // `container:<name>`: another container of the same pod, sharing its network namespace (and hostname).
    const sibling = r.network.startsWith("container:");
    const args = ["run", "-d", "--name", r.name, "--label", `${LABEL}=${RUN_ID}`, "--network", r.network, ...(sibling ? [] : ["--hostname", r.hostname])];
    for (const a of r.aliases ?? []) args.push("--network-alias", a);
    const uid = c.securityContext?.runAsUser ?? sc.runAsUser;
    const gid = c.securityContext?.runAsGroup ?? sc.runAsGroup;
    if (uid !== undefined) args.push("--user", gid !== undefined ? `${uid}:${gid}` : String(uid));
    if (sc.fsGroup !== undefined) args.push("--group-add", String(sc.fsGroup));
    if (c.securityContext?.capabilities?.drop?.includes("ALL")) args.push("--cap-drop", "ALL");
    if (c.securityContext?.allowPrivilegeEscalation === false) args.push("--security-opt", "no-new-privileges");
    // The kubelet's limits, as cgroup limits: a clone or a query runs with what the pod would have.
    const limits = c.resources?.limits ?? {};
    if (limits.cpu) args.push("--cpus", String(/m$/.test(limits.cpu) ? parseInt(limits.cpu, 10) / 1000 : Number(limits.cpu)));
    if (limits.memory) args.push("--memory", limits.memory.replace(/i$/, "").toLowerCase());
    for (const e of c.env ?? []) {
        let value = e.value;
        const ref = e.valueFrom?.secretKeyRef;
        if (ref) {
            value = r.secrets?.[`${ref.name}/${ref.key}`];
            if (value === undefined) throw new Error(`the test gives no value for secret ${ref.name}/${ref.key}`);
        }
        args.push("-e", `${e.name}=${value}`);
    }
    const volumes = new Map<string, any>((spec.volumes ?? []).map((v: any) => [v.name, v]));
    for (const m of c.volumeMounts ?? []) {
        const v = volumes.get(m.name);
        if (r.claims?.[m.name]) {
            // nocopy: the image's VOLUME contents must not replace the kubelet-style ownership.
            args.push("-v", `${r.claims[m.name]}:${m.mountPath}:nocopy`);
        } else if (v?.configMap) {
            const data = r.configMaps?.[v.configMap.name];
            if (!data) throw new Error(`the test gives no data for ConfigMap ${v.configMap.name}`);
            const dir = hostDir("dbplace-e2e-configmap");
            for (const [file, text] of Object.entries(data)) fs.writeFileSync(path.join(dir, file), text, { mode: v.configMap.defaultMode ?? 0o644 });
            args.push("-v", `${dir}:${m.mountPath}:ro`);
        } else if (v?.secret) {
            const data = r.secretVolumes?.[v.secret.secretName];
            if (!data) throw new Error(`the test gives no data for Secret ${v.secret.secretName}`);
            const dir = hostDir("dbplace-e2e-secret");
            for (const [file, text] of Object.entries(data)) {
                const f = path.join(dir, file);
                fs.writeFileSync(f, text, { mode: v.secret.defaultMode ?? 0o644 });
                if (sc.fsGroup !== undefined) fs.chownSync(f, 0, sc.fsGroup);
            }
            args.push("-v", `${dir}:${m.mountPath}:ro`);
        } else if (v?.emptyDir?.medium === "Memory" && m.mountPath === "/dev/shm") {
            args.push("--shm-size", v.emptyDir.sizeLimit.replace(/i$/, "").toLowerCase());
        } else if (v?.emptyDir) {
            args.push("--tmpfs", m.mountPath);
        } else {
            throw new Error(`the test cannot provide volume ${m.name}`);
        }
    }
    const command: string[] | undefined = r.command ?? c.command;
    if (command) args.push("--entrypoint", command[0], c.image, ...command.slice(1));
    else args.push(c.image, ...(c.args ?? []));
    await dockerOk(args);
    return r.name;
}

/** Exit code of a command run in a container (an exec probe, as the kubelet runs it). */
export async function execCode(container: string, command: string[]): Promise<number> {
    return (await docker(["exec", container, ...command])).code;
}

/** Polls an exec command until it exits 0; throws with the container's log tail otherwise. */
export async function waitFor(container: string, command: string[], timeoutMs: number): Promise<void> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
        if ((await execCode(container, command)) === 0) return;
        await new Promise((res) => setTimeout(res, 200));
    }
    const logs = await docker(["logs", "--tail", "15", container]);
    throw new Error(`${container}: \`${command.join(" ")}\` did not pass within ${timeoutMs} ms; log tail:\n${logs.stdout}${logs.stderr}`);
}

/** Removes the containers, volumes and networks of this run only. */
export async function removeThisRun(): Promise<void> {
    const filter = `label=${LABEL}=${RUN_ID}`;
    const ids = (await docker(["ps", "-aq", "--filter", filter])).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await docker(["rm", "-f", ...ids]);
    const vols = (await docker(["volume", "ls", "-q", "--filter", filter])).stdout.split(/\s+/).filter(Boolean);
    if (vols.length) await docker(["volume", "rm", "-f", ...vols]);
    const nets = (await docker(["network", "ls", "-q", "--filter", filter])).stdout.split(/\s+/).filter(Boolean);
    if (nets.length) await docker(["network", "rm", ...nets]);
    for (const dir of hostDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}
