import { Comparison } from "../model";
import { StackTopology } from "../topology";
import { costFootnote, RenderOptions, resourceHeading, sourceLine, visibleRows } from "./common";
import { renderCostBreakdown } from "./html-cost";
import { renderTopologySvg, x } from "./svg";

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
*{box-sizing:border-box}
body{max-width:100%;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.5em 0;width:100%;table-layout:fixed}
th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left;overflow-wrap:anywhere;word-break:break-word}
td.num{text-align:right;white-space:nowrap}
tr.unpriced td{color:#8a0010}
tr.subtotal th,tr.subtotal td{background:#f7f7f7}
figure svg{max-width:100%;height:auto}
th{background:#f2f2f2}
tr.differs th.key{background:#fff3c4}
td.diff{background:#fff3c4;font-weight:bold}
td.absent{color:#999}
td.error{background:#fde0e0;color:#8a0010;font-weight:bold}
.hide-identical tr.same{display:none}
figure{margin:1em 0}
figcaption{font-weight:bold;margin-bottom:.3em}
code{font-size:12px}
.note{color:#555;font-size:12px}
svg.topology text{font-family:system-ui,sans-serif;font-size:12px}
`;

/** Toggles `--hide-identical` in the page itself; the file works with scripts off too. */
const SCRIPT = `document.getElementById("hide").addEventListener("change",function(e){document.getElementById("summary").classList.toggle("hide-identical",e.target.checked)});`;

/** One self-contained file: styles, script and SVG inline; nothing is fetched when it opens. */
export function renderHtml(c: Comparison, topologies: readonly StackTopology[], opts: RenderOptions): string {
    const stacks = c.stacks.map((s) => s.name);
    const rows = visibleRows(c, false);
    const out: string[] = [
        "<!DOCTYPE html>",
        `<html lang="en"><head><meta charset="utf-8"><title>${x(`dbplace compare: ${stacks.join(" vs ")}`)}</title><style>${CSS}</style></head><body>`,
        `<h1>dbplace compare: ${stacks.map((s) => `<code>${x(s)}</code>`).join(" vs ")}</h1>`,
        `<p class="note">${x(sourceLine(c))}</p>`,
        `<h2>Summary</h2>`,
        `<label><input type="checkbox" id="hide"${opts.hideIdentical ? " checked" : ""}> hide identical rows</label>`,
        `<table id="summary"${opts.hideIdentical ? ' class="hide-identical"' : ""}><thead><tr><th>db/setting</th>${stacks.map((s) => `<th>${x(s)}</th>`).join("")}</tr></thead><tbody>`,
    ];
    for (const r of rows) {
        const cells = stacks.map((s) => {
            const v = r.values[s];
            if (v === null) return `<td class="absent">—</td>`;
            if (r.setting === "status" && v !== "ok") return `<td class="error">${x(v)}</td>`;
            return `<td${r.differs ? ' class="diff"' : ""}>${x(v)}</td>`;
        });
        out.push(`<tr class="${r.differs ? "differs" : "same"}" data-key="${x(r.key)}"><th class="key">${x(r.key)}</th>${cells.join("")}</tr>`);
    }
    out.push("</tbody></table>", ...costFootnote(c).map((l) => `<p class="note">${x(l)}</p>`));

    out.push(...renderCostBreakdown(c));
    out.push(`<h2>Topology</h2>`, `<p class="note">Per stack: network → database → replicas → monitoring, from the resources each stack registers.</p>`);
    for (const t of topologies) out.push(`<figure data-stack="${x(t.stack)}"><figcaption>${x(t.stack)}</figcaption>${renderTopologySvg(t)}</figure>`);

    const ok = c.stacks.filter((s) => s.status === "ok").map((s) => s.name);
    out.push(`<h2>Resources</h2>`, `<p>${c.resources.length} differ, ${c.identicalResources} identical in every compared stack.</p>`);
    const skipped = c.stacks.filter((s) => s.status !== "ok").map((s) => s.name);
    if (skipped.length > 0) out.push(`<p class="note">Not compared (could not be evaluated): ${x(skipped.join(", "))}</p>`);
    const partial = c.resources.filter((r) => r.absentFrom.length > 0);
    if (partial.length > 0) {
        out.push(`<h3>Only in some stacks</h3><table id="presence"><thead><tr><th>resource</th><th>type</th>${ok.map((s) => `<th>${x(s)}</th>`).join("")}</tr></thead><tbody>`);
        for (const r of partial) {
            out.push(`<tr><th><code>${x(r.name)}</code></th><td><code>${x(r.type)}</code></td>${ok.map((s) => (r.presentIn.includes(s) ? `<td class="diff">yes</td>` : `<td class="absent">—</td>`)).join("")}</tr>`);
        }
        out.push("</tbody></table>");
    }
    const changed = c.resources.filter((r) => r.inputs.length > 0);
    if (changed.length > 0) out.push(`<h3>Inputs that differ</h3>`);
    for (const r of changed) {
        const cols = r.presentIn;
        const missing = r.absentFrom.length > 0 ? ` (not in ${r.absentFrom.join(", ")})` : "";
        out.push(`<details><summary>${x(resourceHeading(r) + missing)}: ${r.inputs.length} input${r.inputs.length > 1 ? "s" : ""}</summary><table><thead><tr><th>input</th>${cols.map((s) => `<th>${x(s)}</th>`).join("")}</tr></thead><tbody>`);
        for (const d of r.inputs) {
            const cells = cols.map((s) => {
                const v = d.values[s];
                return v === null || v === undefined ? `<td class="absent">(not set)</td>` : `<td class="diff"><code>${x(v)}</code></td>`;
            });
            out.push(`<tr><th><code>${x(d.path)}</code></th>${cells.join("")}</tr>`);
        }
        out.push("</tbody></table></details>");
    }
    out.push(`<script>${SCRIPT}</script>`, "</body></html>", "");
    return out.join("\n");
}
