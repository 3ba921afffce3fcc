import { Comparison } from "../model";
import { costFootnote, RenderOptions, resourceHeading, sourceLine, visibleRows } from "./common";

/** Markdown for a PR comment: differing rows and values in bold, long resource diffs folded. */
export function renderMarkdown(c: Comparison, opts: RenderOptions): string {
    const stacks = c.stacks.map((s) => s.name);
    const out: string[] = [`## dbplace compare: ${stacks.map(code).join(" vs ")}`, "", `_${sourceLine(c)}_`, ""];
    const rows = visibleRows(c, opts.hideIdentical);
    out.push(`| db/setting | ${stacks.map(esc).join(" | ")} |`, `|---|${stacks.map(() => "---").join("|")}|`);
    for (const r of rows) {
        const label = r.differs ? `**${esc(r.key)}**` : esc(r.key);
        const cells = stacks.map((s) => {
            const v = r.values[s];
            if (v === null) return "—";
            if (r.setting === "status" && v !== "ok") return `**⚠ ${esc(v)}**`;
            return r.differs ? `**${esc(v)}**` : esc(v);
        });
        out.push(`| ${label} | ${cells.join(" | ")} |`);
    }
    if (rows.length === 0) out.push(`| _every setting is identical_ | ${stacks.map(() => "").join(" | ")} |`);
    out.push("", ...costFootnote(c).map((l) => `<sub>${esc(l)}</sub><br>`), "");

    const ok = c.stacks.filter((s) => s.status === "ok").map((s) => s.name);
    const skipped = c.stacks.filter((s) => s.status !== "ok").map((s) => s.name);
    out.push(`### Resources: ${c.resources.length} differ, ${c.identicalResources} identical`, "");
    if (skipped.length > 0) out.push(`Not compared (could not be evaluated): ${skipped.map(code).join(", ")}`, "");
    const partial = c.resources.filter((r) => r.absentFrom.length > 0);
    if (partial.length > 0) {
        out.push("**Only in some stacks**", "", `| resource | type | ${ok.map(esc).join(" | ")} |`, `|---|---|${ok.map(() => "---").join("|")}|`);
        for (const r of partial) out.push(`| ${code(r.name)} | ${code(r.type)} | ${ok.map((s) => (r.presentIn.includes(s) ? "**yes**" : "—")).join(" | ")} |`);
        out.push("");
    }
    const changed = c.resources.filter((r) => r.inputs.length > 0);
    if (changed.length > 0) {
        out.push("<details><summary><b>Inputs that differ</b> (" + changed.length + " resources)</summary>", "");
        for (const r of changed) {
            const cols = r.presentIn;
            const missing = r.absentFrom.length > 0 ? ` (not in ${r.absentFrom.map(esc).join(", ")})` : "";
            out.push(`**${esc(resourceHeading(r))}**${missing}`, "", `| input | ${cols.map(esc).join(" | ")} |`, `|---|${cols.map(() => "---").join("|")}|`);
            for (const d of r.inputs) {
                const cells = cols.map((s) => {
                    const v = d.values[s];
                    return v === null || v === undefined ? "_(not set)_" : `**${esc(truncate(v, 200))}**`;
                });
                out.push(`| ${code(d.path)} | ${cells.join(" | ")} |`);
            }
            out.push("");
        }
        out.push("</details>", "");
    }
    if (partial.length === 0 && changed.length === 0) out.push("_No resource-level differences._", "");
    return out.join("\n");
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
