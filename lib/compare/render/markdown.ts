import { Comparison, ResourceDiff } from "../model";
import { costFootnote, RenderOptions, resourceHeading, sourceLine } from "./common";
import { databaseSections, stackCosts } from "./view";

/** GitHub refuses comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/**
 * Markdown for a PR comment: stacks and monthly cost, then per database what differs (bold), then the
 * resource-level diff folded in <details>. The summary always fits; resource details are added while
 * they fit under `limit`, and what had to be left out is said at the end.
 */
export function renderMarkdown(c: Comparison, opts: RenderOptions & { limit?: number }): string {
    const limit = opts.limit ?? GITHUB_COMMENT_LIMIT;
    const stacks = c.stacks.map((s) => s.name);
    const out: string[] = [`## dbplace compare: ${stacks.map(code).join(" vs ")}`, "", `_${sourceLine(c)}_`, ""];

    out.push("### Stacks and monthly cost", "", "| stack | databases | resources | monthly cost (estimate) |", "|---|---|---|---|");
    const costs = new Map(stackCosts(c).map((s) => [s.stack, s]));
    for (const s of c.stacks) {
        if (s.status !== "ok") {
            out.push(`| ${code(s.name)} | **⚠ not evaluated: ${esc(s.error ?? "")}** | | |`);
            continue;
        }
        const cost = costs.get(s.name);
        out.push(`| ${code(s.name)} | ${esc(s.databases.join(", ") || "none")} | ${s.resourceCount} | ${esc(cost?.text ?? "")}${cost?.versus ? ` (${esc(cost.versus)})` : ""} |`);
    }
    out.push("", ...costFootnote(c).map((l) => `<sub>${esc(l)}</sub><br>`), "");

    for (const s of databaseSections(c, Boolean(opts.all))) {
        const where = s.absent.length === 0 ? "every stack" : `${s.present.map(code).join(", ")}; not in ${s.absent.map(code).join(", ")}`;
        out.push(`### ${esc(s.name)}`, "", `In ${where}.`, "");
        if (s.rows.length === 0) {
            out.push("_The same in every stack that has it._", "");
            continue;
        }
        out.push(`| setting | ${s.present.map(esc).join(" | ")} |`, `|---|${s.present.map(() => "---").join("|")}|`);
        for (const r of s.rows) out.push(`| ${r.differs ? `**${esc(r.setting)}**` : esc(r.setting)} | ${r.values.map((v) => (r.differs ? `**${esc(v)}**` : esc(v))).join(" | ")} |`);
        out.push("");
    }
    const head = out.join("\n");
    return head + resourceDetails(c, limit - head.length);
}

/** The resource-level diff, as much of it as fits in `room` characters, with a note on what was cut. */
function resourceDetails(c: Comparison, room: number): string {
    const ok = c.stacks.filter((s) => s.status === "ok").map((s) => s.name);
    const partial = c.resources.filter((r) => r.absentFrom.length > 0);
    const changed = c.resources.filter((r) => r.inputs.length > 0);
    const blocks: string[] = [`### Resources: ${c.resources.length} differ, ${c.identicalResources} identical`, ""];
    const note = (cut: string[]) => `_Cut to stay under GitHub's ${GITHUB_COMMENT_LIMIT.toLocaleString("en-US")}-character comment limit: ${cut.join("; ")}. \`npm run compare -- --resources\` or \`--format json\` has everything._\n`;
    const reserve = 400;
    let used = blocks.join("\n").length;
    const cut: string[] = [];

    if (partial.length > 0) {
        const table = ["<details><summary><b>Only in some stacks</b> (" + partial.length + ")</summary>", "", `| resource | type | ${ok.join(" | ")} |`, `|---|---|${ok.map(() => "---").join("|")}|`];
        let shown = 0;
        for (const r of partial) {
            const line = `| ${code(r.name)} | ${code(r.type)} | ${ok.map((s) => (r.presentIn.includes(s) ? "yes" : "—")).join(" | ")} |`;
            if (used + table.join("\n").length + line.length + reserve > room) break;
            table.push(line);
            shown++;
        }
        if (shown < partial.length) cut.push(`${partial.length - shown} of ${partial.length} rows of "only in some stacks"`);
        table.push("", "</details>", "");
        if (shown > 0) {
            blocks.push(...table);
            used += table.join("\n").length;
        }
    }
    let shownChanged = 0;
    const inputs: string[] = [];
    for (const r of changed) {
        const block = inputBlock(r);
        if (used + block.length + reserve + 60 > room) break;
        inputs.push(block);
        used += block.length;
        shownChanged++;
    }
    if (shownChanged > 0) blocks.push(`<details><summary><b>Inputs that differ</b> (${shownChanged} of ${changed.length} resources)</summary>`, "", ...inputs, "</details>", "");
    if (shownChanged < changed.length) cut.push(`inputs of ${changed.length - shownChanged} of ${changed.length} resources`);
    if (partial.length === 0 && changed.length === 0) blocks.push("_No resource-level differences._", "");
    if (cut.length > 0) blocks.push(note(cut));
    return "\n" + blocks.join("\n");
}

function inputBlock(r: ResourceDiff): string {
    const cols = r.presentIn;
    const missing = r.absentFrom.length > 0 ? ` (not in ${r.absentFrom.map(esc).join(", ")})` : "";
    const lines = [`**${esc(resourceHeading(r))}**${missing}`, "", `| input | ${cols.map(esc).join(" | ")} |`, `|---|${cols.map(() => "---").join("|")}|`];
    for (const d of r.inputs) {
        const cells = cols.map((s) => {
            const v = d.values[s];
            return v === null || v === undefined ? "_(not set)_" : `**${esc(truncate(v, 200))}**`;
        });
        lines.push(`| ${code(d.path)} | ${cells.join(" | ")} |`);
    }
    return lines.join("\n") + "\n\n";
}

/** Table-safe text: pipes escaped, newlines as <br>, Markdown emphasis characters neutralised. */
function esc(s: string): string {
    return s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/([*_`<>[\]])/g, "\\$1").replace(/\r?\n/g, "<br>");
}

function code(s: string): string {
    return `\`${s.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

function truncate(s: string, max: number): string {
    const chars = [...s];
    return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : s;
}
