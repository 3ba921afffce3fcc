import { CostEstimate, UnpricedItem } from "./estimate";

/**
 * How an estimate reads. Incompleteness comes first, so "$27 + unknown" can never be mistaken for a
 * bill; when a database server's own compute is unpriced there is no total at all.
 */
export function money(n: number, currency: string): string {
    const s = n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    return currency === "USD" ? `$${s}` : `${s} ${currency}`;
}

/** Distinct missing figures: one price key missing for five replicas is one item. */
export function unpricedItems(e: CostEstimate): string[] {
    return [...new Set(e.unpriced.map((u) => u.item))].sort();
}

export function mainUnpriced(e: CostEstimate): boolean {
    return e.unpriced.some((u: UnpricedItem) => u.main);
}

/** The figure a cell shows, kept short: details go under the tables. */
export function formatCost(e: CostEstimate, currency: string): string {
    const n = unpricedItems(e).length;
    const capacity = e.clusterCapacity.length > 0 ? " + existing cluster capacity" : "";
    if (n === 0) return `${money(e.known, currency)}${capacity}`;
    if (mainUnpriced(e)) return `incomplete: ${n} unpriced, no total`;
    return `incomplete: ${money(e.known, currency)} + ${n} unpriced`;
}
