import { money } from "../cost/format";
import { Comparison, CostDetail } from "../model";
import { stackCosts } from "./view";
import { x } from "./svg";

/**
 * Per stack, where the monthly figure comes from: per database (and what the stack shares), each
 * priced item with its amount (repeated items counted), then what could not be priced and why.
 */
export function renderCostBreakdown(c: Comparison): string[] {
    const out: string[] = [`<h2>Monthly cost breakdown</h2>`, `<p class="note">${x(c.cost.label)}; figures dated per entry in data/prices.json.</p>`];
    const summary = new Map(stackCosts(c).map((s) => [s.stack, s]));
    for (const stack of c.stacks.filter((s) => s.status === "ok")) {
        const scopes = c.costs.filter((d) => d.stack === stack.name && d.scope !== "(total)");
        const s = summary.get(stack.name);
        out.push(`<section class="cost" data-stack="${x(stack.name)}"><h3>${x(stack.name)}: ${x(s?.text ?? "")}${s?.versus ? ` <span class="note">(${x(s.versus)})</span>` : ""}</h3>`);
        out.push(`<table class="cost-items"><thead><tr><th>database</th><th>item</th><th class="num">per month</th></tr></thead><tbody>`);
        for (const d of scopes) out.push(...rows(d, c.cost.currency));
        out.push("</tbody></table></section>");
    }
    return out;
}

function rows(d: CostDetail, currency: string): string[] {
    const grouped = new Map<string, { n: number; sum: number }>();
    for (const i of d.items) {
        const g = grouped.get(i.what) ?? { n: 0, sum: 0 };
        grouped.set(i.what, { n: g.n + 1, sum: g.sum + i.monthly });
    }
    const lines = [...grouped].map(([what, g]) => `<tr><td>${x(d.scope)}</td><td>${x(g.n > 1 ? `${what} ×${g.n}` : what)}</td><td class="num">${x(money(g.sum, currency))}</td></tr>`);
    for (const u of d.unpriced) lines.push(`<tr class="unpriced"><td>${x(d.scope)}</td><td>unpriced: ${x(u)}</td><td class="num">?</td></tr>`);
    lines.push(`<tr class="subtotal"><th colspan="2">${x(d.scope)}</th><td class="total">${x(d.text)}</td></tr>`);
    return lines;
}
