import { money } from "../cost/format";
import { Comparison, CostDetail } from "../model";

/**
 * What a person reads first, shared by the terminal and Markdown: per database, the stacks that have
 * it and the settings that differ among them; per stack, the monthly figure and how it compares.
 * Pure functions over the Comparison, so every format agrees on what "differs" means.
 */
export interface DatabaseSection {
    name: string;
    /** Evaluated stacks that have the database, in column order. */
    present: string[];
    absent: string[];
    rows: { setting: string; values: string[]; differs: boolean }[];
}

/** Settings that matter to tools and to `--all` readers, but would crowd the first screen. */
export const DETAIL_SETTINGS: ReadonlySet<string> = new Set(["alert kinds", "resources"]);

/** Rows that differ among the stacks that have the database; every row with `all`, or when only one stack has it. */
export function databaseSections(c: Comparison, all: boolean): DatabaseSection[] {
    const ok = c.stacks.filter((s) => s.status === "ok").map((s) => s.name);
    const names = [...new Set(c.summary.filter((r) => r.database !== null).map((r) => r.database!))];
    return names.map((name) => {
        const rows = c.summary.filter((r) => r.database === name);
        const present = ok.filter((s) => rows.some((r) => r.values[s] !== null));
        const shaped = rows.map((r) => {
            const values = present.map((s) => r.values[s] ?? "—");
            return { setting: r.setting, values, differs: new Set(values).size > 1 };
        });
        const shown = shaped.filter((r) => all || (!DETAIL_SETTINGS.has(r.setting) && (present.length === 1 || r.differs)));
        return { name, present, absent: ok.filter((s) => !present.includes(s)), rows: shown };
    });
}

/** Short column labels when full names would not fit: A, B, … in column order. */
export function stackLabels(stacks: readonly string[], fits: boolean): Map<string, string> {
    return new Map(stacks.map((s, i) => [s, fits ? s : String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : "")]));
}

export interface StackCost {
    stack: string;
    /** "$1,234.56", or the reason there is no complete figure, up front. */
    text: string;
    /** Complete monthly total, when there is one. */
    total?: number;
    /** Against the first stack with a complete total: "+$12.00" / "−$3.40", or why not. */
    versus?: string;
}

/** The line under the tables for one stack: missing items named, the priced part only when a total would mean something. */
export function describeDetail(d: CostDetail, currency: string): string {
    if (d.unpriced.length === 0) return d.text;
    // "rds:x in aws/eu-west-1, ec2:y in aws/eu-west-1" reads as "aws/eu-west-1: rds:x, ec2:y".
    const byRegion = new Map<string, string[]>();
    for (const item of d.unpriced) {
        const [what, region] = item.split(" in ");
        const key = region ?? "";
        byRegion.set(key, [...(byRegion.get(key) ?? []), what]);
    }
    const listed = [...byRegion].map(([region, items]) => (region ? `${region}: ${items.join(", ")}` : items.join(", "))).join("; ");
    const head = `incomplete: ${d.unpriced.length} item${d.unpriced.length > 1 ? "s" : ""} unpriced (${listed})`;
    return d.totalShown ? `${head}; priced part ${money(d.known, currency)}` : `${head}; no total (server compute unpriced)`;
}

export function stackCosts(c: Comparison): StackCost[] {
    const totals = c.costs.filter((d) => d.scope === "(total)");
    // Only a whole bill can be subtracted: not one missing prices, nor one that leaves out cluster capacity.
    const complete = (d: CostDetail) => d.complete;
    const base = totals.find(complete);
    return totals.map((d) => {
        const out: StackCost = { stack: d.stack, text: describeDetail(d, c.cost.currency) };
        if (!complete(d)) return out;
        out.total = d.known;
        if (base && base !== d) {
            const delta = Math.round((d.known - base.known) * 100) / 100;
            out.versus = `${delta >= 0 ? "+" : "−"}${money(Math.abs(delta), c.cost.currency)} vs ${base.stack}`;
        }
        return out;
    });
}
