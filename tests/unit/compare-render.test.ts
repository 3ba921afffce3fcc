import * as assert from "node:assert/strict";
import { renderMarkdown } from "../../lib/compare/render/markdown";
import { renderTopologySvg } from "../../lib/compare/render/svg";
import { len, renderTable, wrap } from "../../lib/compare/render/table";
import { Comparison } from "../../lib/compare/model";

describe("compare: text layout", () => {
    it("wraps at spaces, commas and slashes and cuts words longer than the width", () => {
        assert.deepEqual(wrap("namespace shop, namespace monitoring", 16), ["namespace shop,", "namespace", "monitoring"]);
        assert.deepEqual(wrap("aws:cloudwatch/metricAlarm:MetricAlarm", 20), ["aws:cloudwatch/", "metricAlarm:MetricAl", "arm"]);
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
        assert.ok(md.includes("| **x/alerts** | **1: \\<b\\>\\*Disk\\*\\</b\\> \\| hot** |"), md);
    });

    it("escapes XML in the SVG", () => {
        const svg = renderTopologySvg({ stack: "s<1>", databases: [{ name: "d&b", title: "t", network: [], primary: ["<x>"], replicas: [], monitoring: [], backup: [] }], shared: [] });
        assert.ok(!svg.includes("<x>") && svg.includes("&lt;x&gt;") && svg.includes('data-database="d&amp;b"'));
    });
});
