/**
 * A plain-text table that fits a given width: every cell wraps at word boundaries (a word longer than
 * its column ends in "…" rather than breaking across lines),
 * and a cell taller than `maxLines` ends in "…". Styling is applied after layout so colour codes never
 * count towards the width.
 */
export interface TextCell {
    text: string;
    style?: (s: string) => string;
}

export interface TableSpec {
    /** First column: labels. */
    header: string[];
    rows: { marker: string; cells: TextCell[] }[];
    width: number;
    maxLines?: number;
    /** Cap for the label column, so stack columns keep room. */
    maxLabel?: number;
}

const SEP = " │ ";

export function renderTable(t: TableSpec, bold: (s: string) => string = (s) => s): string[] {
    const n = t.header.length;
    const markerWidth = 2;
    const seps = SEP.length * (n - 1);
    const wanted = Math.max(8, Math.min(t.maxLabel ?? 34, Math.max(...[t.header[0], ...t.rows.map((r) => r.cells[0].text)].map(len))));
    const colWidth = Math.max(6, Math.floor((t.width - markerWidth - wanted - seps) / Math.max(1, n - 1)));
    // Once the stack columns are at their minimum the label column gives way, so the table still fits.
    const labelWidth = Math.max(8, Math.min(wanted, t.width - markerWidth - seps - colWidth * (n - 1)));
    const widths = [labelWidth, ...Array.from({ length: n - 1 }, () => colWidth)];
    const lines: string[] = [];
    const emit = (marker: string, cells: TextCell[], maxLines: number) => {
        const wrapped = cells.map((c, i) => clip(wrap(c.text, widths[i]), maxLines, widths[i]));
        const height = Math.max(...wrapped.map((w) => w.length));
        for (let l = 0; l < height; l++) {
            const parts = wrapped.map((w, i) => {
                const text = w[l] ?? "";
                const padded = text + " ".repeat(Math.max(0, widths[i] - len(text)));
                return text && cells[i].style ? cells[i].style!(text) + padded.slice(text.length) : padded;
            });
            lines.push(`${l === 0 ? marker.padEnd(markerWidth) : " ".repeat(markerWidth)}${parts.join(SEP)}`.trimEnd());
        }
    };
    emit("", t.header.map((h) => ({ text: h, style: bold })), 2);
    lines.push(" ".repeat(markerWidth) + widths.map((w) => "─".repeat(w)).join("─┼─"));
    for (const r of t.rows) emit(r.marker, r.cells, t.maxLines ?? 6);
    return lines;
}

export function len(s: string): number {
    return [...s].length;
}

/** Greedy word wrap at spaces; a word longer than the width is shortened with "…", never split across lines. */
export function wrap(text: string, width: number): string[] {
    const out: string[] = [];
    for (const paragraph of text.split("\n")) {
        const tokens = paragraph.match(/\S+\s*|\s+/g) ?? [""];
        let line = "";
        for (const tok of tokens) {
            if (len(line) + len(tok.trimEnd()) <= width) {
                line += tok;
                continue;
            }
            if (line.trim()) out.push(line.trimEnd());
            line = "";
            line = len(tok.trimEnd()) > width ? `${[...tok].slice(0, Math.max(1, width - 1)).join("")}…` : tok;
        }
        out.push(line.trimEnd());
    }
    return out;
}

function clip(lines: string[], max: number, width: number): string[] {
    if (lines.length <= max) return lines;
    const kept = lines.slice(0, max);
    const last = [...kept[max - 1]];
    kept[max - 1] = (last.length >= width ? last.slice(0, width - 1).join("") : last.join("")) + "…";
    return kept;
}
