import { DatabaseSpec } from "../../components/config";

/**
 * The shapes `compare` passes between its stages: evaluate (mocks or a real preview) → compare →
 * render. Kept in one file so the JSON output documented in docs/compare.md has one definition.
 */

/** Bumped only for breaking changes to the JSON output; additions keep the number. */
export const COMPARE_JSON_VERSION = 1;

/** One resource as either source reports it: the mock runner's recording or a preview step's newState. */
export interface PlannedResource {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    /** Logical name of the parent resource (the URN's last segment), when there is one. */
    parent?: string;
    /** The parent's URN: exact where names clash; the name is the fallback when a source lacks it. */
    parentUrn?: string;
    inputs: Record<string, unknown>;
    /** Dotted paths (array indices as numbers) of inputs that are Pulumi secrets. */
    secretPaths: string[];
    protect: boolean;
}

export type StackErrorKind = "config" | "program" | "preview";

/** A stack after evaluation. `error` set means its column shows the message instead of values. */
export interface StackEval {
    stack: string;
    error?: { kind: StackErrorKind; message: string };
    /** Resolved databases, empty when the config is invalid. */
    specs: DatabaseSpec[];
    resources: PlannedResource[];
    /** Provider config from the stack file (`aws:region` …): the cost estimate needs the region. */
    providerConfig: Record<string, string>;
}

/** Per-stack cell values, keyed by stack name in column order; null = the stack has no such thing. */
export type Cells = Record<string, string | null>;

export interface SummaryRow {
    /** `db/setting`, or `(stack)/setting` for stack-wide rows. */
    key: string;
    /** Database name, or null for stack-wide rows. */
    database: string | null;
    setting: string;
    values: Cells;
    /** True when the stacks that evaluated do not all show the same value. */
    differs: boolean;
}

export interface InputDiff {
    /** Flattened input path, e.g. `spec.template.spec.containers[0].image`. */
    path: string;
    values: Cells;
}

export interface ResourceDiff {
    type: string;
    name: string;
    /** The database the resource belongs to (by parent chain), or null for stack-wide resources. */
    database: string | null;
    /** Which evaluated stacks register it. */
    presentIn: string[];
    absentFrom: string[];
    /** Inputs whose values differ among the stacks that register it (secrets masked). */
    inputs: InputDiff[];
}

export interface StackColumn {
    name: string;
    status: "ok" | "error";
    errorKind?: StackErrorKind;
    error?: string;
    databases: string[];
    resourceCount: number;
}

export interface CostNote {
    label: string;
    currency: string;
    asOf: string;
    sources: { id: string; what: string; url: string }[];
    excludes: string[];
}

/** The estimate behind one cost cell: a database, the stack-wide resources, or the stack's total. */
export interface CostDetail {
    stack: string;
    /** Database name, "(shared)" for resources no database owns, or "(total)". */
    scope: string;
    /** Sum of what could be priced, per month. */
    known: number;
    /** True when nothing was unknown: `known` is then the whole estimate. */
    complete: boolean;
    /** False when a database server's compute is unpriced: `known` is then no total at all. */
    totalShown: boolean;
    /** The cell text: "$1,234.56", "incomplete: $12.00 + 2 unpriced", "incomplete: 3 unpriced, no total". */
    text: string;
    /** "<resource>: <why>" for each part that could not be priced, and each workload on existing cluster capacity. */
    unknown: string[];
    /** Distinct missing price items ("rds:postgres:db.m7g.large in aws/eu-west-1"). */
    unpriced: string[];
    usageBased: string[];
    items: { resource: string; what: string; monthly: number }[];
}

export interface Comparison {
    version: typeof COMPARE_JSON_VERSION;
    source: "mocks" | "preview";
    stacks: StackColumn[];
    summary: SummaryRow[];
    resources: ResourceDiff[];
    /** Resources registered identically by every stack that evaluated (not listed in `resources`). */
    identicalResources: number;
    costs: CostDetail[];
    cost: CostNote;
}

/** Thrown for bad invocations and environment problems; the CLI prints the message and exits with `code`. */
export class CompareError extends Error {
    constructor(message: string, public readonly code: number) {
        super(message);
        this.name = "CompareError";
    }
}

/** Exit codes, documented in docs/compare.md. */
export const EXIT = {
    ok: 0,
    /** Output written, but at least one stack could not be evaluated (its column says why). */
    stackFailed: 1,
    usage: 2,
    /** Something outside the stacks: the price table, the pulumi CLI, the output file. */
    environment: 3,
    internal: 4,
} as const;
