import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateStacks } from "../../lib/compare/collect";
import { buildComparison } from "../../lib/compare/compare";
import { Comparison, StackEval } from "../../lib/compare/model";
import { loadPrices } from "../../lib/compare/prices";
import { renderHtml } from "../../lib/compare/render/html";
import { renderJson } from "../../lib/compare/render/json";
import { renderMarkdown } from "../../lib/compare/render/markdown";
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

    it("terminal (no colour, 120 columns)", () => golden("examples.txt", renderTerminal(c, { hideIdentical: false, colour: false, width: 120 })));
    for (const width of [120, 80]) {
        it(`every terminal line fits ${width} columns, whatever the number of stacks`, () => {
            const wide = renderTerminal(c, { hideIdentical: false, colour: false, width })
                .split("\n")
                .filter((l) => [...l].length > width);
            assert.deepEqual(wide, []);
        });
    }
    it("terminal --hide-identical", () => golden("examples.hide-identical.txt", renderTerminal(c, { hideIdentical: true, colour: false, width: 120 })));
    it("markdown", () => golden("examples.md", renderMarkdown(c, { hideIdentical: false })));
    it("json", () => golden("examples.json", renderJson(c, { hideIdentical: false })));
    it("html", () => golden("examples.html", renderHtml(c, evals.map(topologyOf), { hideIdentical: false })));

    it("is deterministic: a second evaluation renders the same JSON", async () => {
        const again = buildComparison(await evaluateStacks(listStacks()), loadPrices());
        assert.equal(renderJson(again, { hideIdentical: false }), renderJson(c, { hideIdentical: false }));
    });
});
