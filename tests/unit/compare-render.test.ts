import * as assert from "node:assert/strict";
import { renderMarkdown } from "../../lib/compare/render/markdown";
import { renderTopologySvg } from "../../lib/compare/render/svg";
import { len, renderTable, wrap } from "../../lib/compare/render/table";
import { Comparison } from "../../lib/compare/model";

describe("compare: text layout", () => {
    it("wraps at spaces and shortens a word longer than the width with … instead of splitting it", () => {
        assert.deepEqual(wrap("namespace shop, namespace monitoring", 16), ["namespace shop,", "namespace", "monitoring"]);
        assert.deepEqual(wrap("aws:cloudwatch/metricAlarm:MetricAlarm", 20), ["aws:cloudwatch/metr…"]);
        assert.deepEqual(wrap("see aws:cloudwatch/metricAlarm:MetricAlarm now", 20), ["see", "aws:cloudwatch/metr…", "now"]);
        assert.deepEqual(wrap("", 10), [""]);
    });

    it("keeps every line within the width and ends a clipped cell with …", () => {
        const lines = renderTable({ header: ["k", "a", "b"], width: 60, maxLines: 2, rows: [{ marker: "*", cells: [{ text: "key" }, { text: "x ".repeat(80) }, { text: "short" }] }] });
        assert.ok(lines.every((l) => len(l) <= 60), lines.join("\n"));
        assert.match(lines[lines.length - 1], /…/);
        assert.match(lines[2], /^\* key/);
    });
});

describe("compare: escaping", () => {
    const c: Comparison = {
        version: 1,
        source: "mocks",
        stacks: [{ name: "a|b", status: "ok", databases: ["x"], resourceCount: 0 }],
        summary: [{ key: "x/alerts", database: "x", setting: "alerts", values: { "a|b": "1: <b>*Disk*</b> | hot" }, differs: true }],
        resources: [],
        identicalResources: 0,
        costs: [],
        cost: { label: "ESTIMATE", currency: "USD", asOf: "2025-06", sources: [], excludes: [] },
    };

    it("escapes Markdown table syntax and HTML in values", () => {
        const md = renderMarkdown(c, { hideIdentical: false });
        assert.ok(md.includes("| alerts | 1: \\<b\\>\\*Disk\\*\\</b\\> \\| hot |"), md);
    });

    it("stays under the comment limit by cutting resource details, and says what it cut", () => {
        const big: Comparison = {
            ...c,
            resources: Array.from({ length: 400 }, (_, i) => ({ type: "t:x:Y", name: `r${i}`, database: "x", presentIn: ["a|b"], absentFrom: [], inputs: [{ path: "spec.image", values: { "a|b": "v".repeat(150) } }] })),
        };
        const md = renderMarkdown(big, { hideIdentical: false, limit: 20_000 });
        assert.ok(md.length <= 20_000, `${md.length} characters`);
        assert.match(md, /Cut to stay under GitHub's 65,536-character comment limit: inputs of \d+ of 400 resources\./);
        assert.match(md, /### x/, "the per-database summary is never cut");
        assert.doesNotMatch(renderMarkdown(c, { hideIdentical: false }), /Cut to stay/);
    });

    it("escapes XML in the SVG", () => {
        const svg = renderTopologySvg({ stack: "s<1>", databases: [{ name: "d&b", title: "t", network: [], primary: ["<x>"], replicas: [], monitoring: [], backup: [] }], shared: [] });
        assert.ok(!svg.includes("<x>") && svg.includes("&lt;x&gt;") && svg.includes('data-database="d&amp;b"'));
    });
});
