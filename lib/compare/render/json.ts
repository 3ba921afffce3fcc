import { Comparison } from "../model";
import { RenderOptions, visibleRows } from "./common";

/**
 * The documented, versioned JSON shape (docs/compare.md). Key order is fixed by construction and every
 * list is sorted, so the output is byte-stable for the same inputs.
 */
export function renderJson(c: Comparison, opts: RenderOptions): string {
    const doc: Comparison = { ...c, summary: visibleRows(c, opts.hideIdentical) };
    return JSON.stringify(doc, null, 2) + "\n";
}
