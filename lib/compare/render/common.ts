import { Comparison, ResourceDiff, SummaryRow } from "../model";

export interface RenderOptions {
    /** JSON: drop summary rows whose value is the same in every stack that evaluated. */
    hideIdentical: boolean;
    /** Terminal and Markdown: show rows that are the same in every stack that has the database. */
    all?: boolean;
    /** Terminal: add the resource-level diff. */
    resources?: boolean;
}

export function visibleRows(c: Comparison, hideIdentical: boolean): SummaryRow[] {
    return hideIdentical ? c.summary.filter((r) => r.differs) : c.summary;
}

export function sourceLine(c: Comparison): string {
    return c.source === "mocks"
        ? "Evaluated offline under Pulumi mocks (no cloud account, no pulumi CLI): what `pulumi up` would register."
        : "From `pulumi preview --json` plans.";
}

/** The estimate's label, date, exclusions and sources: printed under every summary, in every format. */
export function costFootnote(c: Comparison): string[] {
    const k = c.cost;
    return [
        `Est. monthly cost is an ${k.label}; prices as of ${k.asOf} (data/prices.json).`,
        `Not included: ${k.excludes.join("; ")}. A missing figure makes the estimate "incomplete" and is named; nothing is extrapolated from another region or size.`,
        `Sources: ${k.sources.map((s) => s.url).join(" ")}`,
    ];
}

export function resourceHeading(r: ResourceDiff): string {
    return `${r.name} (${r.type})${r.database ? ` in ${r.database}` : ""}`;
}
