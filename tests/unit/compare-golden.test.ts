import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateStacks } from "../../lib/compare/collect";
import { buildComparison } from "../../lib/compare/compare";
import { Comparison, StackEval } from "../../lib/compare/model";
import { loadPrices } from "../../lib/compare/prices";
import { renderHtml } from "../../lib/compare/render/html";
import { renderJson } from "../../lib/compare/render/json";
import { GITHUB_COMMENT_LIMIT, renderMarkdown } from "../../lib/compare/render/markdown";
import { renderTerminal } from "../../lib/compare/render/terminal";
import { topologyOf } from "../../lib/compare/topology";
import { listStacks } from "../../lib/stacks";

/**
 * Golden files: every format for the example stacks, as `npm run compare` prints them. When a change
 * is intended (a placement landed, a row was added), regenerate with
 *   UPDATE_GOLDEN=1 npx mocha tests/unit/compare-golden.test.ts
 * and review the diff of tests/golden/compare/ like any other change.
 */
const DIR = path.resolve(__dirname, "../golden/compare");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

function golden(file: string, actual: string): void {
    const target = path.join(DIR, file);
    if (UPDATE) {
        fs.mkdirSync(DIR, { recursive: true });
        fs.writeFileSync(target, actual);
        return;
    }
    assert.ok(fs.existsSync(target), `missing golden ${path.relative(process.cwd(), target)}; run with UPDATE_GOLDEN=1 to create it`);
    const expected = fs.readFileSync(target, "utf8");
    if (actual !== expected) {
        const a = actual.split("\n");
        const e = expected.split("\n");
        const line = a.findIndex((l, i) => l !== e[i]);
        assert.fail(`${file} differs from the golden at line ${line + 1}:\n  golden: ${e[line]}\n  actual: ${a[line]}\nIf the change is intended: UPDATE_GOLDEN=1 npx mocha tests/unit/compare-golden.test.ts`);
    }
}

describe("compare: golden output for the example stacks", function () {
    this.timeout(300_000);
    let evals: StackEval[];
    let c: Comparison;
    before(async () => {
        evals = await evaluateStacks(listStacks());
        c = buildComparison(evals, loadPrices());
    });

    const terminal = (width: number, extra: { all?: boolean; resources?: boolean } = {}) => renderTerminal(c, { hideIdentical: false, colour: false, width, ...extra });
    it("terminal (no colour, 120 columns)", () => golden("examples.txt", terminal(120)));
    it("terminal (80 columns)", () => golden("examples.80.txt", terminal(80)));
    it("terminal --all", () => golden("examples.all.txt", terminal(120, { all: true })));

    for (const [width, most] of [[120, 150], [80, 200]]) {
        it(`the default view fits ${width} columns in at most ${most} lines`, () => {
            const lines = terminal(width).trimEnd().split("\n");
            assert.ok(lines.length <= most, `${lines.length} lines`);
            assert.deepEqual(lines.filter((l) => [...l].length > width), []);
        });
        it(`no word is split across lines at ${width} columns: every word is whole, or ends in "…"`, () => {
            // At 400 columns nothing wraps, so its words are the whole words of the same view.
            const words = new Set(terminal(400, { resources: true }).split(/[\s│┼─]+/));
            const split = terminal(width, { resources: true }).split(/[\s│┼─]+/).filter((w) => w && !w.endsWith("…") && !words.has(w));
            assert.deepEqual([...new Set(split)].slice(0, 20), []);
        });
    }
    it("markdown", () => golden("examples.md", renderMarkdown(c, { hideIdentical: false })));
    it("markdown fits a GitHub comment, saying what was cut", () => {
        const md = renderMarkdown(c, { hideIdentical: false });
        assert.ok(md.length <= GITHUB_COMMENT_LIMIT, `${md.length} characters`);
        if (c.resources.some((r) => r.inputs.length > 0)) assert.match(md, /Cut to stay under GitHub's|Inputs that differ<\/b> \((\d+) of \1 resources\)/);
    });
    it("json", () => golden("examples.json", renderJson(c, { hideIdentical: false })));
    it("html", () => golden("examples.html", renderHtml(c, evals.map(topologyOf), { hideIdentical: false })));

    it("is deterministic: a second evaluation renders the same JSON", async () => {
        const again = buildComparison(await evaluateStacks(listStacks()), loadPrices());
        assert.equal(renderJson(again, { hideIdentical: false }), renderJson(c, { hideIdentical: false }));
    });
});
