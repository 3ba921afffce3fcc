import { styleText } from "node:util";
import { Comparison, ResourceDiff } from "../model";
import { renderTable, TextCell, wrap } from "./table";
import { resourceHeading } from "./common";

export type Paint = (s: string) => string;

export interface Palette {
    bold: Paint;
    differs: Paint;
    error: Paint;
    dim: Paint;
}

export function palette(colour: boolean): Palette {
    if (!colour) {
        const id: Paint = (s) => s;
        return { bold: id, differs: id, error: id, dim: id };
    }
    return {
        bold: (s) => styleText("bold", s),
        differs: (s) => styleText(["bold", "yellow"], s),
        error: (s) => styleText(["bold", "red"], s),
        dim: (s) => styleText("dim", s),
    };
}

/** `--resources`: resources only some stacks register, and inputs that differ, per resource. */
export function renderResources(c: Comparison, stacks: string[], width: number, p: Palette): string[] {
    const ok = c.stacks.filter((s) => s.status === "ok").map((s) => s.name);
    const skipped = c.stacks.filter((s) => s.status !== "ok").map((s) => s.name);
    const out: string[] = [p.bold("RESOURCES") + `  ${c.resources.length} differ, ${c.identicalResources} identical in every compared stack`];
    if (skipped.length > 0) out.push(`  not compared (could not be evaluated): ${skipped.join(", ")}`);
    const partial = c.resources.filter((r) => r.absentFrom.length > 0);
    if (partial.length > 0) {
        out.push("", p.bold("Only in some stacks"));
        out.push(
            ...renderTable(
                {
                    header: ["resource", ...ok],
                    width,
                    maxLabel: 60,
                    rows: partial.map((r) => ({
                        marker: "*",
                        cells: [
                            { text: `${r.name}  ${r.type}` },
                            ...ok.map((s): TextCell => (r.presentIn.includes(s) ? { text: "yes", style: p.differs } : { text: "—", style: p.dim })),
                        ],
                    })),
                },
                p.bold,
            ),
        );
    }
    const changed = c.resources.filter((r) => r.inputs.length > 0);
    if (changed.length > 0) out.push("", p.bold("Inputs that differ"));
    for (const r of changed) out.push("", ...inputTable(r, r.presentIn, width, p));
    if (partial.length === 0 && changed.length === 0) out.push("  (no resource-level differences)");
    return out;
}

const PATH_WIDTH = 34;
const PATH_LINES = 4;

/** Long input paths keep their end, which names the setting: "…podAntiAffinity…topologyKey". */
function tail(path: string, max: number): string {
    const chars = [...path];
    return chars.length > max ? `…${chars.slice(chars.length - max + 1).join("")}` : path;
}

/** Only the stacks that register the resource get a column; the presence table covers the rest. */
function inputTable(r: ResourceDiff, stacks: string[], width: number, p: Palette): string[] {
    const missing = r.absentFrom.length > 0 ? `  (not in ${r.absentFrom.join(", ")})` : "";
    // Wrap before styling so colour codes never count towards the width; continuation lines indent.
    const heading = wrap(`${resourceHeading(r)}${missing}`, width - 2).map((l, i) => (i === 0 ? `* ${p.bold(l)}` : `  ${l}`));
    return [
        ...heading,
        ...renderTable(
            {
                header: ["input", ...stacks],
                width,
                maxLabel: PATH_WIDTH,
                maxLines: PATH_LINES,
                rows: r.inputs.map((d) => ({
                    marker: "",
                    cells: [
                        { text: tail(d.path, PATH_WIDTH * PATH_LINES) },
                        ...stacks.map((s): TextCell => {
                            const v = d.values[s];
                            return v === null || v === undefined ? { text: "(not set)", style: p.dim } : { text: v, style: p.differs };
                        }),
                    ],
                })),
            },
            p.bold,
        ),
    ];
}
