import { resolveStackConfig } from "../../components/config";
import { DatabaseSpec } from "../../components/config/validate";
import { projectDefaults, toPulumiConfig } from "../stacks";

/** What deploying a stack takes on this machine, resolved once from its validated config. */
export interface DeployNeeds {
    readonly stack: string;
    readonly cloud: DatabaseSpec["cloud"];
    /** A Docker engine: some database runs on local Docker, or a dump is baked at deploy time. */
    readonly docker: boolean;
    /** Port of the registry on 127.0.0.1 that a baked image is pushed to (npm run registry), if any. */
    readonly localRegistryPort?: number;
    /** Images the project builds itself (tools/docker), named by the stack. */
    readonly localImages: { readonly base: string[]; readonly exporter: string[] };
    /** Provider plugins the program loads (the offline toolchain component names). */
    readonly plugins: string[];
    /** Some database goes to the ambient Kubernetes cluster (local cloud, no kubeconfig or context in config). */
    readonly ambientCluster: boolean;
}

/** The images tools/docker builds: `dbplace/postgres:<major>` and `dbplace/postgres-exporter:<version>`. */
export const LOCAL_BASE_IMAGE = /^dbplace\/postgres:(\d+)$/;
/** A repository on this machine's registry (tools/registry): `127.0.0.1:<port>/…`. */
export const LOCAL_REGISTRY = /^(?:127\.0\.0\.1|localhost):(\d+)\//;
export const LOCAL_EXPORTER_IMAGE = /^dbplace\/postgres-exporter:(v?[\d.]+)$/;

/**
 * Validates the stack exactly as `pulumi up` will (project defaults, then the stack file) and derives what
 * the deployment needs. Throws the program's own ConfigError, naming the key, on bad input.
 */
export function deployNeeds(stack: string, config: Record<string, unknown>, project: string, root?: string): DeployNeeds {
    const all = { ...toPulumiConfig(project, projectDefaults(root)), ...toPulumiConfig(project, config) };
    const spec = resolveStackConfig(all, project);
    const onDocker = spec.databases.filter((d) => d.placement === "docker");
    const images = onDocker.flatMap((d) => [d.image, d.exporterImage]);
    const plugins = ["pulumi-resource-random"];
    if (onDocker.length > 0 || spec.databases.some((d) => d.replicas.kind === "baked")) plugins.push("pulumi-resource-docker");
    if (spec.databases.some((d) => d.placement === "cluster" || d.replicas.kind === "baked" && d.placement !== "docker")) plugins.push("pulumi-resource-kubernetes");
    return {
        stack,
        cloud: spec.cloud,
        docker: onDocker.length > 0 || spec.databases.some((d) => d.replicas.kind === "baked" && d.replicas.dump !== undefined),
        localRegistryPort: spec.databases.map((d) => LOCAL_REGISTRY.exec(d.replicas.repository ?? "")).find((m) => m !== null)
            ?.map(Number)[1],
        localImages: {
            base: [...new Set(images.filter((i) => LOCAL_BASE_IMAGE.test(i)))],
            exporter: [...new Set(images.filter((i) => LOCAL_EXPORTER_IMAGE.test(i)))],
        },
        plugins,
        ambientCluster: spec.cloud === "local" &&
            spec.databases.some((d) => d.placement === "cluster" && d.cluster.kubeconfig === undefined && d.cluster.context === undefined),
    };
}
