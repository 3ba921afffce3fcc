import { DatabaseTopology, StackTopology } from "../topology";

/**
 * One inline SVG per stack, drawn here with no library or service: a row per database with four boxes
 * (network → database → replicas → monitoring) joined by arrows. Every database box carries
 * `class="node database"` and `data-database`, which the browser test counts.
 */
const COL = 190;
const GAP = 36;
const BOX_H = 78;
const ROW = BOX_H + 26;
const PAD = 12;
const LINE = 13;

export function renderTopologySvg(t: StackTopology): string {
    const rows = t.databases.length + (t.shared.length > 0 ? 1 : 0);
    const width = PAD * 2 + COL * 4 + GAP * 3;
    const height = PAD * 2 + Math.max(1, rows) * ROW;
    const parts: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" class="topology" data-stack="${x(t.stack)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${x(`topology of stack ${t.stack}`)}">`,
        `<defs><marker id="arrow-${x(t.stack)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    ];
    if (t.error) {
        parts.push(`<text class="error" x="${PAD}" y="${PAD + LINE}" fill="#b00020">${x(truncate(`not evaluated: ${t.error}`, 120))}</text>`);
    } else if (t.databases.length === 0) {
        parts.push(`<text x="${PAD}" y="${PAD + LINE}">no databases</text>`);
    }
    t.databases.forEach((db, i) => parts.push(...row(t.stack, db, PAD + i * ROW)));
    if (t.shared.length > 0) {
        const y = PAD + t.databases.length * ROW;
        parts.push(box("node shared", PAD, y, COL * 2 + GAP, "shared by the stack", t.shared, "#eef"));
    }
    parts.push("</svg>");
    return parts.join("\n");
}

function row(stack: string, db: DatabaseTopology, y: number): string[] {
    const xs = [0, 1, 2, 3].map((i) => PAD + i * (COL + GAP));
    const out = [
        box("node network", xs[0], y, COL, "network", db.network.length ? db.network : ["none recorded"], "#e8f4ea"),
        box("node database", xs[1], y, COL, db.name, [db.title, ...db.primary, ...db.backup.map((b) => `backup: ${b}`)], "#e6eefc", db.name),
        box(`node replicas${db.replicas.length ? "" : " empty"}`, xs[2], y, COL, "replicas", db.replicas.length ? db.replicas : ["none"], db.replicas.length ? "#fdf1e0" : "#f4f4f4"),
        box(`node monitoring${db.monitoring.length ? "" : " empty"}`, xs[3], y, COL, "monitoring", db.monitoring.length ? db.monitoring : ["none"], db.monitoring.length ? "#f6e8f6" : "#f4f4f4"),
    ];
    for (let i = 0; i < 3; i++) {
        const dashed = (i === 1 && !db.replicas.length) || (i === 2 && !db.monitoring.length) ? ` stroke-dasharray="4 3"` : "";
        out.push(`<line class="edge" x1="${xs[i] + COL}" y1="${y + BOX_H / 2}" x2="${xs[i + 1]}" y2="${y + BOX_H / 2}" stroke="#555"${dashed} marker-end="url(#arrow-${x(stack)})"/>`);
    }
    return out;
}

function box(cls: string, bx: number, by: number, w: number, title: string, lines: string[], fill: string, database?: string): string {
    const maxLines = Math.floor((BOX_H - 22) / LINE);
    const shown = lines.length > maxLines ? [...lines.slice(0, maxLines - 1), `+${lines.length - maxLines + 1} more`] : lines;
    const chars = Math.floor((w - 12) / 6.4);
    const text = shown.map((l, i) => `<tspan x="${bx + 6}" y="${by + 32 + i * LINE}">${x(truncate(l, chars))}</tspan>`).join("");
    const data = database !== undefined ? ` data-database="${x(database)}"` : "";
    const tooltip = `<title>${x([title, ...lines].join("\n"))}</title>`;
    return `<g class="${cls}"${data}>${tooltip}<rect x="${bx}" y="${by}" width="${w}" height="${BOX_H}" rx="6" fill="${fill}" stroke="#889"/>` +
        `<text x="${bx + 6}" y="${by + 16}" font-weight="bold">${x(truncate(title, chars))}</text><text font-size="11">${text}</text></g>`;
}

function truncate(s: string, max: number): string {
    const chars = [...s];
    return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : s;
}

/** XML text and attribute escaping. */
export function x(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
