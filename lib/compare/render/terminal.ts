import { Comparison } from "../model";
import { RenderOptions, sourceLine } from "./common";
import { len, renderTable, TextCell, wrap } from "./table";
import { palette, Palette, renderResources } from "./terminal-resources";
import { databaseSections, DatabaseSection, stackCosts, stackLabels } from "./view";

/**
 * The default view for people: the stacks and their monthly cost, then one table per database with
 * only the settings that differ among the stacks that have it. Identical rows come with `all`, the
 * resource-level diff with `resources`. Fits `width` with no word split across lines: a cell too long
 * for its column wraps at spaces, and a single word too long ends in "…".
 */
const MAX_LINES = 3;
const LABEL = 15;

export function renderTerminal(c: Comparison, opts: RenderOptions & { colour: boolean; width: number }): string {
    const p = palette(opts.colour);
    const w = opts.width;
    const stacks = c.stacks.map((s) => s.name);
    const para = (text: string, indent = "") => wrap(text, w - indent.length).map((l) => indent + l);
    const source = c.source === "mocks" ? "Offline, under Pulumi mocks." : sourceLine(c);
    const scope = opts.all ? "Every setting, per database." : "Showing what differs; --all: every row; --resources: the resource diff.";
    const out: string[] = [...para(`dbplace compare: ${stacks.join(", ")}`).map(p.bold), ...para(`${source} ${scope}`).map(p.dim), ""];

    const sections = databaseSections(c, Boolean(opts.all));
    const widest = Math.max(...sections.map((s) => s.present.length), 1);
    const colWidth = Math.floor((w - 2 - LABEL - 3 * widest) / widest);
    const labels = stackLabels(stacks, stacks.every((s) => len(s) <= colWidth));
    const lettered = stacks.some((s) => labels.get(s) !== s);

    out.push(...para(`STACKS AND MONTHLY COST  estimate: on-demand list prices dated per entry in data/prices.json, before data transfer, usage-billed charges and discounts (all ${c.cost.excludes.length} exclusions and sources: --format json)${lettered ? "; tables use the letters" : ""}`).map((l, i) => (i === 0 ? p.bold(l) : l)));
    const costs = new Map(stackCosts(c).map((s) => [s.stack, s]));
    for (const s of c.stacks) {
        const head = `${lettered ? `${labels.get(s.name)} ` : ""}${s.name}: `;
        if (s.status !== "ok") {
            out.push(...hanging(`${head}NOT EVALUATED: ${s.error ?? ""}`, len(head), w, "  ").map(p.error));
            continue;
        }
        const cost = costs.get(s.name);
        const versus = cost?.versus ? ` (${cost.versus})` : "";
        const size = `${s.databases.length} db${s.databases.length === 1 ? "" : "s"}, ${s.resourceCount} resources`;
        out.push(...hanging(`${head}${size}; ${cost?.text ?? "no estimate"}${versus}`, len(head), w, "  "));
    }
    out.push("");

    for (const section of sections) out.push(...databaseTable(section, labels, w, p), "");
    if (opts.resources) out.push(...renderResources(c, stacks, w, p));
    else out.push(...para(`Resources: ${c.resources.length} differ, ${c.identicalResources} identical; --resources lists them.`).map(p.dim));
    return out.join("\n") + "\n";
}

function databaseTable(s: DatabaseSection, labels: Map<string, string>, width: number, p: Palette): string[] {
    const total = s.present.length + s.absent.length;
    const where = s.absent.length === 0 ? "in every stack" : `in ${s.present.length} of ${total}: ${s.present.map((x) => labels.get(x)).join(", ")}`;
    const head = wrap(`${s.name}  ${where}`, width).map((l, i) => (i === 0 ? p.bold(l) : l));
    if (s.rows.length === 0) return [...head, "  (the same in every stack that has it)"];
    // One stack has it: nothing to line up, so its settings read as a paragraph.
    if (s.present.length === 1) return [...head, ...wrap(s.rows.map((r) => `${r.setting}: ${r.values[0]}`).join(" · "), width - 2).map((l) => `  ${l}`)];
    return [
        ...head,
        ...renderTable(
            {
                header: ["", ...s.present.map((x) => labels.get(x)!)],
                width,
                maxLabel: LABEL,
                maxLines: MAX_LINES,
                rows: s.rows.map((r) => ({
                    marker: r.differs ? "*" : "",
                    cells: [{ text: r.setting }, ...r.values.map((v): TextCell => ({ text: v, style: r.differs ? p.differs : undefined }))],
                })),
            },
            p.bold,
        ),
    ];
}

/** A paragraph whose continuation lines start under the text after `first` characters. */
function hanging(text: string, first: number, width: number, indent: string): string[] {
    const pad = " ".repeat(Math.min(first, 24));
    const lines = wrap(text, width - indent.length);
    if (lines.length <= 1) return lines.map((l) => indent + l);
    const rest = wrap(text.slice(len(lines[0])).trimStart(), width - indent.length - pad.length);
    return [indent + lines[0], ...rest.map((l) => indent + pad + l)];
}
