import { ResourceValidationArgs } from "@pulumi/policy";
import { BAKED } from "../../components/bake/types";
import { ENV, KEYS, ROLES } from "../conventions";
import { label, labelsOf, podTemplateOf } from "../resource";
import { DbplacePolicy } from "./types";

/** Where baked replicas can run: docker containers, Kubernetes workloads, cloud VM templates. */
const CARRIERS = new Set([
    "docker:index/container:Container",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:ReplicaSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:core/v1:Pod",
    "aws:ec2/launchTemplate:LaunchTemplate",
    "aws:ec2/instance:Instance",
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
    "gcp:compute/instance:Instance",
]);

export interface StalenessConfig {
    /** Highest staleness any baked replica may declare, in minutes. Default: no ceiling. */
    maximumMinutes?: number;
}

interface EnvVar { name?: string; value?: string }
interface Container { name?: string; env?: EnvVar[]; readinessProbe?: { exec?: { command?: string[] } }; startupProbe?: { exec?: { command?: string[] } } }

const envOf = (c: Container, name: string) => (c.env ?? []).find((e) => e.name === name)?.value;

/** A baked replica container: says so in its env, or probes the bake metadata table only baked images have. */
function isBakedContainer(c: Container): boolean {
    if (envOf(c, ENV.role) === ROLES.bakedReplica) return true;
    return [c.readinessProbe, c.startupProbe].some((p) => (p?.exec?.command ?? []).some((arg) => String(arg).includes(BAKED.metadataTable)));
}

const hasRole = (labels: Record<string, string> | undefined) =>
    labels !== undefined && [label(labels, KEYS.role), labels[KEYS.component]].some((r) => r !== undefined && r.split(",").map((s) => s.trim()).includes(ROLES.bakedReplica));

/**
 * Whether a resource runs baked replicas, and the staleness it declares. Recognised: the role label
 * (`dbplace.io/role` or `app.kubernetes.io/component` = baked-replica) on the resource or its pod
 * template, or — sidecar mode, inside an application's pod — a container whose env says
 * `DBPLACE_ROLE=baked-replica` or whose probes query the bake metadata table.
 */
export function bakedReplicaDeclaration(args: Pick<ResourceValidationArgs, "type" | "props">): { baked: boolean; declared?: string } {
    if (!CARRIERS.has(args.type)) return { baked: false };
    const own = labelsOf(args.props);
    const template = podTemplateOf(args.props);
    const containers = template ? ([...(template.spec.initContainers ?? []), ...(template.spec.containers ?? [])] as Container[]) : [];
    const bakedContainers = containers.filter(isBakedContainer);
    const baked = hasRole(own) || hasRole(template?.labels) || bakedContainers.length > 0;
    const declared =
        label(own, KEYS.maxStaleness) ??
        (template && (label(template.annotations, KEYS.maxStaleness) ?? label(template.labels, KEYS.maxStaleness))) ??
        bakedContainers.map((c) => envOf(c, ENV.maxStaleness)).find((v) => v !== undefined);
    return { baked, declared };
}

/**
 * A baked replica serves data as old as its last bake; readers may only rely on it if the stack states
 * how old is too old. The components copy `replicas.maxStalenessMinutes` onto the replica (docker label,
 * Kubernetes annotation, sidecar env, VM tag), where the staleness alerts read it too.
 */
export const bakedReplicaMaxStaleness: DbplacePolicy = {
    name: "dbplace-baked-replica-max-staleness",
    description: `Image-baked read replicas must declare their maximum staleness (${KEYS.maxStaleness}, or ${ENV.maxStaleness} on a sidecar).`,
    severity: "medium",
    configSchema: {
        properties: {
            maximumMinutes: { type: "integer", minimum: 1, description: "Highest maximum staleness a baked replica may declare, in minutes. Unset: no ceiling." },
        },
    },
    remediationSteps: "Set dbplace config replicas.maxStalenessMinutes for every database with replicas.kind baked.",
    validateResource: (args, report) => {
        const { baked, declared } = bakedReplicaDeclaration(args);
        if (!baked) return;
        if (declared === undefined) {
            report(`${args.name}: a baked read replica without ${KEYS.maxStaleness}; set replicas.maxStalenessMinutes so readers and alerts know how old its data may be.`);
            return;
        }
        const minutes = Number(declared);
        if (!Number.isInteger(minutes) || minutes < 1) {
            report(`${args.name}: ${KEYS.maxStaleness} is "${declared}"; it must be a whole number of minutes, at least 1.`);
            return;
        }
        const ceiling = args.getConfig<StalenessConfig>()?.maximumMinutes;
        if (ceiling !== undefined && minutes > ceiling) {
            report(`${args.name}: ${KEYS.maxStaleness} is ${minutes}, above the ${ceiling} minutes this organisation allows; bake more often and lower replicas.maxStalenessMinutes.`);
        }
    },
};
