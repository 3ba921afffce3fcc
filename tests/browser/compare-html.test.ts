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
 * one diagram per stack with a database node per database, no request leaving the file, and the
 * "hide identical rows" switch working.
 */
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
