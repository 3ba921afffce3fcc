import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../stacks";
import { DeployNeeds, LOCAL_BASE_IMAGE, LOCAL_EXPORTER_IMAGE } from "./needs";

/** A failure the user can act on: printed as one sentence, without a stack trace. */
export class UserError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UserError";
    }
}

const TOOLS = path.join(PROJECT_ROOT, "tools");

function script(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): { code: number; stderr: string } {
    // stderr is both shown (progress) and kept (the last line names the problem).
    const r = spawnSync(file, args, { env, encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
    if (r.stderr) process.stderr.write(r.stderr);
    return { code: r.status ?? 1, stderr: r.stderr ?? "" };
}

function lastLine(text: string): string {
    return text.trim().split("\n").filter(Boolean).pop()?.replace(/^\[[a-z-]+\]\s*/, "") ?? "no output";
}

/** dockerd running, and every local image the stack names built (each script is a no-op when done). */
export function ensureDocker(needs: DeployNeeds): void {
    const docker = script(path.join(TOOLS, "docker/ensure-dockerd.sh"), []);
    if (docker.code !== 0) throw new UserError(`stack "${needs.stack}" runs on local Docker, but no Docker engine could be started: ${lastLine(docker.stderr)}`);
    for (const image of needs.localImages.base) {
        const major = LOCAL_BASE_IMAGE.exec(image)![1];
        const r = script(path.join(TOOLS, "docker/base-image.sh"), ["--no-exporter"], { ...process.env, PG_MAJOR: major, BASE_IMAGE: image });
        if (r.code !== 0) throw new UserError(`the stack names image ${image}, which tools/docker/base-image.sh could not build: ${lastLine(r.stderr)}`);
    }
    for (const image of needs.localImages.exporter) {
        const version = LOCAL_EXPORTER_IMAGE.exec(image)![1];
        const r = script(path.join(TOOLS, "docker/exporter-image.sh"), [], { ...process.env, EXPORTER_VERSION: `v${version.replace(/^v/, "")}` });
        if (r.code !== 0) throw new UserError(`the stack names image ${image}, which tools/docker/exporter-image.sh could not build: ${lastLine(r.stderr)}`);
    }
}

/** The registry on 127.0.0.1 that the stack pushes baked images to, answering (npm run registry -- start). */
export function ensureLocalRegistry(needs: DeployNeeds): void {
    if (needs.localRegistryPort === undefined) return;
    const r = script(path.join(TOOLS, "registry/registry.sh"), ["start"], { ...process.env, DBPLACE_REGISTRY_PORT: String(needs.localRegistryPort) });
    if (r.code !== 0) throw new UserError(`stack "${needs.stack}" pushes baked images to 127.0.0.1:${needs.localRegistryPort}, where no registry could be started: ${lastLine(r.stderr)}`);
}

/** A `pulumi` on PATH that is not the offline toolchain's own build. */
function externalPulumi(toolsCache: string): string | undefined {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, "pulumi");
        if (!dir || !fs.existsSync(candidate)) continue;
        return fs.realpathSync(candidate).startsWith(fs.realpathSync(toolsCache) + path.sep) ? undefined : candidate;
    }
    return undefined;
}

/** Cold-build minutes per component on 2 cores (tools/toolchain/README.md), for the estimate. */
const BUILD_MINUTES: Record<string, number> = {
    pulumi: 7, "pulumi-language-nodejs": 2, "pulumi-resource-docker": 6, "pulumi-resource-random": 4, "pulumi-resource-kubernetes": 12,
};

/**
 * The environment `pulumi` runs in: a `pulumi` already on PATH as it is, otherwise the offline toolchain
 * (built on first use when `build` is set). The state goes to $PULUMI_BACKEND_URL, or a file backend in
 * the user's cache.
 */
export function pulumiEnvironment(needs: DeployNeeds, opts: { build: boolean }): NodeJS.ProcessEnv {
    if (needs.cloud !== "local") {
        // The offline toolchain cannot build the aws and gcp providers (tools/toolchain/README.md).
        if (!externalPulumi(toolsCache())) {
            throw new UserError(`stack "${needs.stack}" deploys to ${needs.cloud}, which needs the Pulumi CLI with the ${needs.cloud} provider and credentials; this machine has neither. Preview it offline with npm run plan -- ${needs.stack}.`);
        }
    }
    const backend = process.env.PULUMI_BACKEND_URL ?? `file://${path.join(os.homedir(), ".cache", "dbplace", "state")}`;
    if (backend.startsWith("file://")) fs.mkdirSync(backend.slice("file://".length), { recursive: true });
    const base: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_BACKEND_URL: backend,
        // Local state with no passphrase chosen: secrets are encrypted with the empty one, like the tests'.
        ...(process.env.PULUMI_CONFIG_PASSPHRASE === undefined && process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined ? { PULUMI_CONFIG_PASSPHRASE: "" } : {}),
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: process.env.PULUMI_NODEJS_TRANSPILE_ONLY ?? "true",
    };
    if (externalPulumi(toolsCache())) return base;

    const components = ["pulumi", "pulumi-language-nodejs", ...needs.plugins];
    if (opts.build) {
        const minutes = components.filter((c) => !built(c)).reduce((m, c) => m + (BUILD_MINUTES[c] ?? 5), 0);
        if (minutes > 0) {
            console.error(`[up] no pulumi on PATH: building the offline toolchain from Go modules (${components.join(", ")}); ` +
                `first time only, about ${Math.ceil(minutes / 2)}–${minutes} min on 2 cores. Progress lines follow.`);
        }
        const r = script(path.join(TOOLS, "toolchain/build.sh"), ["--only", components.join(",")]);
        if (r.code !== 0) throw new UserError(`the offline Pulumi toolchain did not build: ${lastLine(r.stderr)}`);
    }
    // env.sh registers the plugins and sets the offline settings; take the environment it leaves.
    const r = spawnSync("bash", ["-c", `source "${path.join(TOOLS, "toolchain/env.sh")}" >&2 && env -0`], { env: base, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (r.status !== 0) {
        throw new UserError(opts.build
            ? `the offline Pulumi toolchain is not usable: ${lastLine(r.stderr)}`
            : `no pulumi on PATH and the offline toolchain is not built; run npm run up -- ${needs.stack} first.`);
    }
    const env = Object.fromEntries(r.stdout.split("\0").filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
    return { ...env, PULUMI_BACKEND_URL: backend };
}

function toolsCache(): string {
    const dir = process.env.DBPLACE_TOOLS_CACHE ?? path.join(os.homedir(), ".cache", "dbplace-tools");
    fs.mkdirSync(dir, { recursive: true });
    return dir;
}

/** Each component name is also the name of the binary it puts in the cache's bin/. */
function built(component: string): boolean {
    return fs.existsSync(path.join(toolsCache(), "bin", component));
}

/** Where `npm run cluster -- start` writes the real node's kubeconfig (tools/cluster/cluster.sh). */
export function nodeKubeconfig(): string {
    return process.env.DBPLACE_NODE_KUBECONFIG ?? path.join(os.homedir(), ".cache", "dbplace", "kubeconfig");
}

/**
 * The kubeconfig for a stack that uses the ambient cluster: $KUBECONFIG when set, else the project's node
 * when it runs, else ~/.kube/config. Throws when there is none, before anything is deployed.
 */
export function clusterEnvironment(needs: DeployNeeds, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    if (!needs.ambientCluster || env.KUBECONFIG) return env;
    if (fs.existsSync(nodeKubeconfig())) {
        console.error(`[up] cluster: the project's node (${nodeKubeconfig()})`);
        return { ...env, KUBECONFIG: nodeKubeconfig() };
    }
    if (fs.existsSync(path.join(os.homedir(), ".kube", "config"))) return env;
    throw new UserError(`stack "${needs.stack}" deploys to a Kubernetes cluster, and none is configured: start this machine's ` +
        `node with npm run cluster -- start, set KUBECONFIG, or set the stack's cluster.kubeconfig.`);
}
