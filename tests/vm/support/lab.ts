import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Test VMs on this machine's dockerd: systemd-booted containers of dbplace/vm-test (tools/vm), each
 * with a loop device as its data disk and its own /fakecloud directory (metadata, secrets, call log),
 * on an internal docker network of this run. Everything carries the label dbplace.vm-test=<run id>.
 */
export const IMAGE = process.env.VM_IMAGE ?? "dbplace/vm-test:bookworm";
const CACHE = path.join(process.env.DBPLACE_CACHE ?? path.join(os.homedir(), ".cache", "dbplace"), "vm");

export function sh(cmd: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): { code: number; out: string; err: string } {
    const r = spawnSync(cmd, args, { input: opts.input, encoding: "utf8", maxBuffer: 64 << 20 });
    const res = { code: r.status ?? -1, out: r.stdout ?? "", err: r.stderr ?? "" };
    if (res.code !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(" ")} failed (${res.code}): ${res.err || res.out}`);
    return res;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface VmSpec {
    name: string;
    ip: string;
    cloud: "aws" | "gcp";
    /** The device node the cloud presents the data disk as, and its /dev/disk/by-id name. None: boot disk only. */
    disk?: { device: string; byId: string };
    /** Metadata server paths → values. */
    metadata: Record<string, string>;
    secrets: Record<string, string>;
    /** Extra /etc/hosts entries (name → ip), as the VPC's DNS would answer. */
    hosts?: Record<string, string>;
    /**
     * A container engine inside the VM (baked-replica hosts): /var/lib/docker on a volume of its own
     * (overlay2 cannot stack on the VM's overlay root), and the CA each named registry's certificate
     * chains to, where dockerd looks (/etc/docker/certs.d/<host>/ca.crt). In the clouds ECR and
     * Artifact Registry serve publicly trusted certificates; here a registry of the run stands in.
     */
    docker?: { registryCas: Record<string, string> };
}

export class Vm {
    constructor(readonly lab: Lab, readonly spec: VmSpec, readonly dir: string, readonly container: string) {}

    /** Runs a shell command inside the VM as root. */
    exec(script: string, allowFail = false) {
        return sh("docker", ["exec", "-i", this.container, "bash", "-euo", "pipefail", "-c", script], { allowFail });
    }

    psql(sql: string, db = "postgres"): string {
        return this.exec(`sudo -u postgres psql -XAtq -v ON_ERROR_STOP=1 -d ${db} <<'SQL'\n${sql}\nSQL`).out.trim();
    }

    /** Lines "boot <n> rc <rc>" / "boot <n> skipped" the boot-script runner wrote. */
    bootLog(): string[] {
        const f = path.join(this.dir, "boot-script.log");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n").filter(Boolean) : [];
    }

    /** Waits for boot n's script to finish; fails with the script's output unless it ended as expected. */
    async waitBoot(n: number, timeoutMs = 300_000): Promise<string> {
        const end = Date.now() + timeoutMs;
        for (;;) {
            const line = this.bootLog().find((l) => l.startsWith(`boot ${n} `));
            if (line) return line;
            if (Date.now() > end) throw new Error(`${this.spec.name}: boot ${n} script did not finish; output:\n${this.output().slice(-3000)}`);
            await sleep(1000);
        }
    }

    output(): string {
        const f = path.join(this.dir, "boot-script.out");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8") : "";
    }

    calls(): string[] {
        const f = path.join(this.dir, "calls.log");
        return fs.existsSync(f) ? fs.readFileSync(f, "utf8").trim().split("\n") : [];
    }

    /** A reboot: docker stops systemd with SIGRTMIN+3 (a clean shutdown) and boots the same disk again. */
    restart(): void {
        sh("docker", ["restart", "-t", "60", this.container]);
    }
}

export class Lab {
    readonly id = `${Date.now().toString(36)}-${process.pid}`;
    readonly label = `dbplace.vm-test=${this.id}`;
    readonly root = path.join(CACHE, "runs", this.id);
    readonly buckets = path.join(this.root, "buckets");
    private loops: string[] = [];
    readonly networks: string[] = [];

    constructor() {
        Lab.sweep();
        fs.mkdirSync(this.buckets, { recursive: true });
    }

    /** What an interrupted run left behind (only this tier uses the label and the runs directory). */
    static sweep(): void {
        const ids = sh("docker", ["ps", "-aq", "--filter", "label=dbplace.vm-test"], { allowFail: true }).out.split(/\s+/).filter(Boolean);
        if (ids.length) sh("docker", ["rm", "-f", "-v", ...ids], { allowFail: true });
        for (const n of sh("docker", ["network", "ls", "-q", "--filter", "label=dbplace.vm-test"], { allowFail: true }).out.split(/\s+/).filter(Boolean)) {
            sh("docker", ["network", "rm", n], { allowFail: true });
        }
        const runs = path.join(CACHE, "runs");
        for (const line of sh("losetup", ["-a"], { allowFail: true }).out.split("\n")) {
            const m = /^(\/dev\/loop\d+):.*\((.*?)(?: \(deleted\))?\)$/.exec(line);
            if (m && m[2].startsWith(runs)) sh("losetup", ["-d", m[1]], { allowFail: true });
        }
        fs.rmSync(runs, { recursive: true, force: true });
    }

    network(name: string, subnet: string): string {
        const full = `dbplace-vm-${this.id}-${name}`;
        // Internal: no route off the bridge, so only this run's containers ever receive the VMs' traffic.
        sh("docker", ["network", "create", "--internal", "--label", this.label, "--subnet", subnet, full]);
        this.networks.push(full);
        return full;
    }

    /** A blank 1 GiB sparse file on a loop device: the data disk as the VM first sees it. */
    disk(name: string): string {
        const file = path.join(this.root, `${name}.img`);
        sh("truncate", ["-s", "1G", file]);
        const dev = sh("losetup", ["--find", "--show", file]).out.trim();
        this.loops.push(dev);
        return dev;
    }

    async boot(network: string, spec: VmSpec): Promise<Vm> {
        const dir = path.join(this.root, spec.name);
        fs.mkdirSync(path.join(dir, "secrets"), { recursive: true });
        fs.writeFileSync(path.join(dir, "metadata.json"), JSON.stringify(spec.metadata, null, 1));
        fs.writeFileSync(path.join(dir, "disks"), spec.disk ? `${spec.disk.device} ${spec.disk.byId}\n` : "");
        if (spec.cloud === "aws") fs.writeFileSync(path.join(dir, "aws"), "");
        for (const [k, v] of Object.entries(spec.secrets)) fs.writeFileSync(path.join(dir, "secrets", k.replace(/\//g, "_")), v);
        const disk = spec.disk ? ["--device", `${this.disk(spec.name)}:/dev/${spec.disk.device}`] : [];
        const docker: string[] = [];
        if (spec.docker) {
            const certs = path.join(dir, "docker-certs");
            for (const [host, ca] of Object.entries(spec.docker.registryCas)) {
                fs.mkdirSync(path.join(certs, host), { recursive: true });
                fs.writeFileSync(path.join(certs, host, "ca.crt"), ca);
            }
            // SYS_PTRACE: `docker exec` joins namespaces of container processes of another uid (postgres), which a VM's root may.
            docker.push("-v", "/var/lib/docker", "-v", `${certs}:/etc/docker/certs.d:ro`, "--cap-add", "SYS_PTRACE");
        }
        const container = `dbplace-vm-${this.id}-${spec.name}`;
        sh("docker", [
            "run", "-d", "--name", container, "--hostname", spec.name, "--label", this.label,
            "--network", network, "--ip", spec.ip,
            // systemd as PID 1 without --privileged: its own cgroup namespace, mount rights (the data
            // disk, /sys/fs/cgroup/systemd), NET_ADMIN for the metadata address on lo; /sys stays read-only.
            "--cgroupns", "private", "--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN",
            "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
            "--tmpfs", "/run", "--tmpfs", "/run/lock", "--tmpfs", "/tmp",
            // Only this VM's disk, under the name the cloud gives it.
            ...disk, ...docker,
            "--add-host", "metadata.google.internal:169.254.169.254",
            ...Object.entries(spec.hosts ?? {}).flatMap(([h, ip]) => ["--add-host", `${h}:${ip}`]),
            "-v", `${dir}:/fakecloud`, "-v", `${this.buckets}:/fakecloud/buckets`,
            IMAGE,
        ]);
        return new Vm(this, spec, dir, container);
    }

    /** A plain container on the network (no systemd): the application side, with the Postgres 15 client. */
    client(network: string, ip: string, script: string, allowFail = false, hosts: Record<string, string> = {}) {
        return sh("docker", ["run", "--rm", "-i", "--label", this.label, "--network", network, "--ip", ip, "--entrypoint", "bash",
            ...Object.entries(hosts).flatMap(([h, a]) => ["--add-host", `${h}:${a}`]),
            "-v", `${this.buckets}:/buckets:ro`, IMAGE, "-euo", "pipefail", "-c", script], { allowFail });
    }

    /**
     * A registry container on the network, serving `storage` over TLS on 443 with the given certificate:
     * the cloud's registry as the VMs reach it (ECR, Artifact Registry), under its own host name.
     */
    registry(network: string, ip: string, binary: string, storage: string, tls: { cert: string; key: string }): string {
        const dir = path.join(this.root, `registry-${ip}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "registry.crt"), tls.cert);
        fs.writeFileSync(path.join(dir, "registry.key"), tls.key, { mode: 0o600 });
        fs.writeFileSync(path.join(dir, "config.yml"), [
            "version: 0.1", "log: {level: warn}", "storage: {filesystem: {rootdirectory: /var/lib/registry}}",
            "http: {addr: \"0.0.0.0:443\", tls: {certificate: /etc/registry/registry.crt, key: /etc/registry/registry.key}}", "",
        ].join("\n"));
        const name = `dbplace-vm-${this.id}-registry-${ip.replace(/\./g, "-")}`;
        sh("docker", ["run", "-d", "--name", name, "--label", this.label, "--network", network, "--ip", ip,
            "-v", `${fs.realpathSync(binary)}:/usr/local/bin/registry:ro`, "-v", `${storage}:/var/lib/registry:ro`, "-v", `${dir}:/etc/registry:ro`,
            "--entrypoint", "/usr/local/bin/registry", IMAGE, "serve", "/etc/registry/config.yml"]);
        return name;
    }

    cleanup(): void {
        // VM_TEST_KEEP=1 leaves the VMs up to look into (the next run sweeps them).
        if (process.env.VM_TEST_KEEP) return;
        const ids = sh("docker", ["ps", "-aq", "--filter", `label=${this.label}`], { allowFail: true }).out.split(/\s+/).filter(Boolean);
        if (ids.length) sh("docker", ["rm", "-f", "-v", ...ids], { allowFail: true });
        for (const n of this.networks) sh("docker", ["network", "rm", n], { allowFail: true });
        for (const l of this.loops) sh("losetup", ["-d", l], { allowFail: true });
        fs.rmSync(this.root, { recursive: true, force: true });
    }
}

export function hostHasDocker(): boolean {
    try {
        execFileSync("docker", ["version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}
