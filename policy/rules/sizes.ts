import { ContainerPreset, ENGINE_PRESET_OVERRIDES, INSTANCE_PRESETS, mebibytes, sizePreset } from "../../components/config/presets";
import { SIZES } from "../../components/config/schema";
import { DATABASE_PORT_NAMES, DATABASE_PORTS } from "../conventions";
import { belongsToDatabase, lastSegment, listing, podTemplateOf } from "../resource";
import { DbplacePolicy } from "./types";

/**
 * Sizes come from the presets table (components/config/presets.ts), the same one the placements build
 * from: a size outside it was typed by hand, and skipped the cost and capacity review the presets had.
 */
const instanceTypes = (key: keyof typeof INSTANCE_PRESETS): string[] => {
    const overrides = Object.entries(ENGINE_PRESET_OVERRIDES).filter(([k]) => k.startsWith(`${key}:`)).flatMap(([, rows]) => Object.values(rows ?? {}));
    return [...new Set([...Object.values(INSTANCE_PRESETS[key] ?? {}), ...overrides].map((p) => p.instanceType))];
};

export const APPROVED = {
    rds: instanceTypes("aws:managed"),
    ec2: instanceTypes("aws:vm"),
    cloudSql: instanceTypes("gcp:managed"),
    gce: instanceTypes("gcp:vm"),
    containers: SIZES.map((s) => sizePreset("local", "cluster", s) as ContainerPreset),
};

export interface SizesConfig {
    /** Instance classes, machine types or tiers allowed on top of the presets (exceptions a platform team granted). Default none. */
    additionalSizes?: string[];
}

/** Kubernetes CPU quantity → millicores ("1" = "1000m"), so equal quantities compare equal. */
export function millicores(q: unknown): number | undefined {
    const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(q ?? "").trim());
    return m ? Math.round(Number(m[1]) * (m[2] ? 1 : 1000)) : undefined;
}

function mib(q: unknown): number | undefined {
    try {
        return q === undefined ? undefined : mebibytes(String(q));
    } catch {
        return undefined;
    }
}

interface Container { name?: string; ports?: { containerPort?: number; name?: string }[]; resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }

/** The engine container of a workload: the one that serves a database port. */
function engineContainers(containers: Container[]): Container[] {
    return containers.filter((c) => (c.ports ?? []).some((p) => DATABASE_PORTS.includes(Number(p.containerPort)) || DATABASE_PORT_NAMES.includes(String(p.name ?? "").toLowerCase())));
}

function matchesContainerPreset(c: Container): boolean {
    const r = c.resources ?? {};
    return APPROVED.containers.some((p) =>
        millicores(r.requests?.cpu) === millicores(p.cpuRequest) &&
        millicores(r.limits?.cpu) === millicores(p.cpuLimit) &&
        mib(r.requests?.memory) === mib(p.memoryRequest) &&
        mib(r.limits?.memory) === mib(p.memoryLimit));
}

const describePreset = (p: ContainerPreset, i: number) => `${SIZES[i]} (cpu ${p.cpuRequest}/${p.cpuLimit}, memory ${p.memoryRequest})`;

export const approvedSizes: DbplacePolicy = {
    name: "dbplace-approved-sizes",
    description: "Database instance classes, machine types, tiers and container resources must come from the size presets (small, medium, large).",
    severity: "medium",
    configSchema: {
        properties: {
            additionalSizes: { type: "array", items: { type: "string" }, default: [], description: "Instance classes, machine types or tiers allowed on top of the presets." },
        },
    },
    remediationSteps: "Set dbplace config size to small, medium or large; ask the platform team to add a preset instead of typing a size.",
    validateResource: (args, report) => {
        const extra = args.getConfig<SizesConfig>()?.additionalSizes ?? [];
        const p = args.props;
        const check = (field: string, value: unknown, approved: string[]) => {
            const v = lastSegment(value);
            if (v === undefined || approved.includes(v) || extra.includes(v)) return;
            report(`${args.name}: ${field} is "${v}", which is not a preset size; allowed: ${listing(approved)} (dbplace size small, medium, large).`);
        };
        switch (args.type) {
            case "aws:rds/instance:Instance":
            case "aws:rds/clusterInstance:ClusterInstance":
                return check("instanceClass", p.instanceClass, APPROVED.rds);
            case "gcp:sql/databaseInstance:DatabaseInstance":
                return check("settings.tier", p.settings?.tier, APPROVED.cloudSql);
            case "aws:ec2/instance:Instance":
                return belongsToDatabase(args) ? check("instanceType", p.instanceType, APPROVED.ec2) : undefined;
            case "gcp:compute/instance:Instance":
                return belongsToDatabase(args) ? check("machineType", p.machineType, APPROVED.gce) : undefined;
            case "docker:index/container:Container": {
                if (!belongsToDatabase(args) || p.memory === undefined) return;
                const allowed = APPROVED.containers.map((c) => mebibytes(c.memoryLimit));
                if (!allowed.includes(Number(p.memory))) {
                    report(`${args.name}: memory is ${p.memory} MiB, which is not a preset size; allowed: ${listing(allowed)} MiB.`);
                }
                return;
            }
        }
        const template = podTemplateOf(p);
        if (!template || !args.type.startsWith("kubernetes:") || !belongsToDatabase(args)) return;
        for (const c of engineContainers((template.spec.containers ?? []) as Container[])) {
            if (!matchesContainerPreset(c)) {
                const r = c.resources ?? {};
                report(`${args.name}: container "${c.name}" asks for cpu ${r.requests?.cpu ?? "-"}/${r.limits?.cpu ?? "-"}, memory ${r.requests?.memory ?? "-"}/${r.limits?.memory ?? "-"}, which is not a preset; allowed: ${APPROVED.containers.map(describePreset).join("; ")}.`);
            }
        }
    },
};
