// Prometheus side of the docker tier: promtool (built from Go modules by tools/toolchain), the
// PrometheusRules the program renders for a stack, and exposition-format scrapes of real exporters.
import { execFileSync, spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { resolveStackConfig } from "../../../components/config/read";
import { DatabaseSpec } from "../../../components/config/validate";
import { MockRun, RecordedResource, runProgram } from "../../../lib/mock-runner";
import { loadStackConfig, projectDefaults, toPulumiConfig } from "../../../lib/stacks";
import { program } from "../../../program";
import { REPO_ROOT } from "./env";

const CACHE = process.env.DBPLACE_TOOLS_CACHE ?? path.join(os.homedir(), ".cache", "dbplace-tools");

/** Builds promtool on first use (minutes, once per version; instant when cached) and returns its path. */
export function ensurePromtool(): string {
    execFileSync(path.join(REPO_ROOT, "tools", "toolchain", "build.sh"), ["--only", "promtool"], { stdio: ["ignore", process.stderr, process.stderr] });
    return path.join(CACHE, "bin", "promtool");
}

export interface PromtoolResult {
    code: number;
    output: string;
}

export function promtool(bin: string, args: string[], cwd: string): PromtoolResult {
    const r = spawnSync(bin, args, { cwd, encoding: "utf8", timeout: 120_000 });
    if (r.error) throw r.error;
    return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export interface RenderedRule {
    alert: string;
    expr: string;
    for: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

export interface RuleGroup {
    name: string;
    rules: RenderedRule[];
}

/** One PrometheusRule object as the program registers it. */
export interface RenderedPrometheusRule {
    resource: string;
    namespace: string;
    database: DatabaseSpec;
    groups: RuleGroup[];
}

export interface RenderedStack {
    stack: string;
    specs: DatabaseSpec[];
    run: MockRun;
    rules: RenderedPrometheusRule[];
}

/** Runs the stack's program under Pulumi's mocks and returns every PrometheusRule it registers. */
export async function renderStack(stack: string): Promise<RenderedStack> {
    const config = loadStackConfig(stack);
    const run = await runProgram({ stack, config, program });
    // What the program resolved, read the way it reads config (project defaults under the stack file).
    const specs = resolveStackConfig(toPulumiConfig("dbplace", { ...projectDefaults(), ...config }), "dbplace", {}).databases;
    const rules = run.resources.filter((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PrometheusRule").map((r) => {
        const database = specs.find((s) => s.name === r.inputs.metadata.labels["app.kubernetes.io/instance"]);
        if (!database) throw new Error(`${stack}: PrometheusRule ${r.name} belongs to no database of the stack`);
        return { resource: r.name, namespace: r.inputs.metadata.namespace as string, database, groups: r.inputs.spec.groups as RuleGroup[] };
    });
    return { stack, specs, run, rules };
}

/** A series as an exporter exposes it: metric name, labels, value. */
export interface Sample {
    name: string;
    labels: Record<string, string>;
    value: number;
}

/** Parses the Prometheus text exposition format (what every exporter's /metrics serves). */
export function parseExposition(text: string): Sample[] {
    const out: Sample[] = [];
    for (const line of text.split("\n")) {
        if (!line || line.startsWith("#")) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
        if (!m) throw new Error(`not an exposition line: ${line}`);
        const labels: Record<string, string> = {};
        for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
        out.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return out;
}

/** Label matchers and grouping labels of a PromQL expression: what a rule needs the series to carry. */
export function selectors(expr: string): { metric: string; labels: string[] }[] {
    return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].map((m) => ({
        metric: m[1],
        labels: [...m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((l) => l[1]),
    }));
}

export function groupingLabels(expr: string): string[] {
    return [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(",").map((s) => s.trim()).filter(Boolean));
}

/** The workloads a stack puts in its namespaces, as the Kubernetes objects the program registers. */
export interface Workload {
    kind: "StatefulSet" | "Deployment";
    namespace: string;
    name: string;
    replicas: number;
    component: string;
    engine: string;
    /** Name of the database the workload belongs to. */
    database: string;
    /** PVC names the workload's pods mount (StatefulSet claim templates, resolved per ordinal). */
    claims: string[];
}

export function workloads(run: MockRun): Workload[] {
    const of = (r: RecordedResource, kind: Workload["kind"]): Workload => {
        const labels = r.inputs.metadata.labels;
        const replicas = r.inputs.spec.replicas ?? 1;
        const templates: string[] = (r.inputs.spec.volumeClaimTemplates ?? []).map((t: { metadata: { name: string } }) => t.metadata.name);
        return {
            kind, namespace: r.inputs.metadata.namespace, name: r.inputs.metadata.name, replicas,
            component: labels["app.kubernetes.io/component"], engine: labels["app.kubernetes.io/name"], database: labels["app.kubernetes.io/instance"],
            claims: templates.flatMap((t) => Array.from({ length: replicas }, (_, i) => `${t}-${r.inputs.metadata.name}-${i}`)),
        };
    };
    return [
        ...run.resources.filter((r) => r.type === "kubernetes:apps/v1:StatefulSet").map((r) => of(r, "StatefulSet")),
        ...run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment").map((r) => of(r, "Deployment")),
    ];
}

/** Standalone claims (the dump volume), by namespace. */
export function standaloneClaims(run: MockRun): { namespace: string; name: string }[] {
    return run.resources.filter((r) => r.type === "kubernetes:core/v1:PersistentVolumeClaim")
        .map((r) => ({ namespace: r.inputs.metadata.namespace, name: r.inputs.metadata.name }));
}
