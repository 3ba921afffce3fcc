import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Browser, chromium } from "playwright-core";
import { evaluateStacks } from "../../lib/compare/collect";
import { buildComparison } from "../../lib/compare/compare";
import { Comparison } from "../../lib/compare/model";
import { loadPrices } from "../../lib/compare/prices";
import { renderHtml } from "../../lib/compare/render/html";
import { topologyOf } from "../../lib/compare/topology";
import { listStacks } from "../../lib/stacks";

/**
 * Opens `npm run compare -- --format html` for the example stacks in headless Chromium (Debian's
 * package: `apt-get install -y chromium`; CHROMIUM_PATH overrides) and checks what a reader sees:
 * one diagram per stack with a database node per database, no request leaving the file, the
 * "hide identical rows" switch working, a cost breakdown per stack, and, at 1280 and 390 px wide,
 * no element wider than the page or its own box (screenshots of both widths go to SCREENSHOT_DIR,
 * default out/screenshots/).
 */
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? path.resolve(__dirname, "../../out/screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

describe("compare --format html in a browser", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-html-"));
    const html = path.join(dir, "compare.html");
    let browser: Browser;
    let comparison: Comparison;

    before(async () => {
        assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\` or set CHROMIUM_PATH`);
        const evals = await evaluateStacks(listStacks());
        comparison = buildComparison(evals, loadPrices());
        fs.writeFileSync(html, renderHtml(comparison, evals.map(topologyOf), { hideIdentical: false }));
        // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir here).
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    });

    after(async () => {
        await browser?.close();
    });

    it("draws one diagram per stack with a node per database, fetching nothing", async () => {
        const doc = comparison;
        const page = await browser.newPage();
        const requests: string[] = [];
        page.on("request", (r) => requests.push(r.url()));
        await page.goto(`file://${html}`);

        const figures = await page.$$eval("figure[data-stack]", (els) => els.map((e) => e.getAttribute("data-stack")));
        assert.deepEqual(figures, doc.stacks.map((s) => s.name));
        for (const stack of doc.stacks) {
            const nodes = await page.$$eval(`figure[data-stack="${stack.name}"] svg g.node.database`, (els) =>
                els.map((g) => {
                    // The project compiles without the DOM lib; this runs in the page, where getBBox exists.
                    const box = (g as unknown as { getBBox(): { width: number; height: number } }).getBBox();
                    return { db: g.getAttribute("data-database"), w: box.width, h: box.height };
                }),
            );
            const expected = stack.status === "ok" ? [...stack.databases].sort() : [];
            assert.deepEqual(nodes.map((n) => n.db).sort(), expected, `database nodes of ${stack.name}`);
            for (const n of nodes) assert.ok(n.w > 50 && n.h > 30, `node ${stack.name}/${n.db} is drawn (${n.w}×${n.h})`);
        }
        assert.deepEqual(requests.filter((u) => !u.startsWith("file://")), [], "the page is self-contained");
        await page.close();
    });

    it("shows a cost breakdown per evaluated stack, with its unpriced items", async () => {
        const page = await browser.newPage();
        await page.goto(`file://${html}`);
        const sections = await page.$$eval("section.cost[data-stack]", (els) => els.map((e) => e.getAttribute("data-stack")));
        assert.deepEqual(sections, comparison.stacks.filter((s) => s.status === "ok").map((s) => s.name));
        const prod = comparison.costs.find((d) => d.stack === "aws-prod" && d.scope === "(total)")!;
        const unpriced = await page.$$eval(`section.cost[data-stack="aws-prod"] tr.unpriced`, (rows) => rows.length);
        assert.ok(unpriced >= prod.unpriced.length, `aws-prod lists its ${prod.unpriced.length} unpriced items`);
        await page.close();
    });

    for (const width of [1280, 390]) {
        it(`nothing overflows its box at ${width} px wide (screenshot in ${path.relative(process.cwd(), SCREENSHOT_DIR)})`, async () => {
            const page = await browser.newPage({ viewport: { width, height: 900 } });
            await page.goto(`file://${html}`);
            // Runs in the page, where the DOM exists; the project compiles without the DOM lib.
            const problems: string[] = await page.evaluate(`(() => {
                const out = [];
                const doc = document.documentElement;
                if (doc.scrollWidth > doc.clientWidth + 1) out.push("page scrolls sideways: " + doc.scrollWidth + " > " + doc.clientWidth);
                for (const el of document.querySelectorAll("body *")) {
                    if (el.closest("svg") || el.tagName === "SCRIPT" || el.tagName === "STYLE") continue;
                    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible" && el.clientWidth > 0) out.push(el.tagName + "." + el.className + " content " + el.scrollWidth + " > box " + el.clientWidth + ": " + (el.textContent || "").slice(0, 60));
                    const r = el.getBoundingClientRect();
                    if (r.right > doc.clientWidth + 1) out.push(el.tagName + "." + el.className + " ends at " + Math.round(r.right) + " past the page " + doc.clientWidth);
                }
                for (const g of document.querySelectorAll("svg g.node")) {
                    const box = g.querySelector("rect").getBBox();
                    for (const t of g.querySelectorAll("text")) {
                        const b = t.getBBox();
                        if (b.width > 0 && (b.x < box.x - 1 || b.x + b.width > box.x + box.width + 1)) out.push("svg text outside its box in " + (g.getAttribute("data-database") || g.getAttribute("class")) + ": " + t.textContent.slice(0, 40));
                    }
                }
                return out;
            })()`);
            fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
            await page.screenshot({ path: path.join(SCREENSHOT_DIR, `compare-${width}.png`), fullPage: true });
            assert.deepEqual(problems.slice(0, 10), [], `${problems.length} overflow(s) at ${width} px`);
            await page.close();
        });
    }

    it("hides identical rows with the switch", async () => {
        const page = await browser.newPage();
        await page.goto(`file://${html}`);
        const visible = () => page.$$eval("#summary tbody tr", (rows) => rows.filter((r) => (r as unknown as { offsetParent: unknown }).offsetParent !== null).length);
        const all = await visible();
        await page.check("#hide");
        const shown = await visible();
        const differing = await page.$$eval("#summary tbody tr.differs", (rows) => rows.length);
        assert.ok(shown < all || differing === all, `${shown} of ${all} rows shown after hiding identical ones`);
        assert.equal(shown, differing);
        await page.close();
    });
});
