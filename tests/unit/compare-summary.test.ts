import * as assert from "node:assert/strict";
import { evaluateStacks } from "../../lib/compare/collect";
import { buildComparison } from "../../lib/compare/compare";
import { Comparison, StackEval } from "../../lib/compare/model";
import { loadPrices } from "../../lib/compare/prices";
import { fakeProgram } from "../../lib/compare/testing/fake-program";
import { loadFakeConfig } from "../../lib/compare/testing/fixtures";

const cell = (c: Comparison, key: string, stack: string) => {
    const row = c.summary.find((r) => r.key === key);
    assert.ok(row, `no row ${key}; rows: ${c.summary.map((r) => r.key).join(", ")}`);
    return row.values[stack];
};

describe("compare: summary rows from small fake programs", () => {
    let evals: StackEval[];
    let c: Comparison;
    before(async () => {
        evals = await evaluateStacks(["dev", "prod", "broken"], { program: fakeProgram, loadConfig: loadFakeConfig });
        c = buildComparison(evals, loadPrices());
    });

    it("evaluates every stack once and keeps the failing one as an error column", () => {
        assert.deepEqual(c.stacks.map((s) => [s.name, s.status]), [["dev", "ok"], ["prod", "ok"], ["broken", "error"]]);
        assert.match(cell(c, "(stack)/status", "broken")!, /dbplace:placement is "vm", which is not available on cloud "local"/);
        assert.equal(cell(c, "(stack)/status", "dev"), "ok");
        assert.equal(cell(c, "app/placement", "broken"), null);
    });

    it("matches databases by name: a database missing from one stack shows as absent", () => {
        assert.equal(cell(c, "billing/size", "prod"), "medium: db.m7g.large, 100 GB (max 500)");
        assert.equal(cell(c, "billing/size", "dev"), null);
        assert.equal(c.summary.find((r) => r.key === "billing/size")!.differs, true);
    });

    it("marks rows that differ and leaves identical rows unmarked", () => {
        const row = (k: string) => c.summary.find((r) => r.key === k)!;
        assert.equal(row("app/placement").differs, true);
        assert.equal(row("app/engine").differs, false);
        assert.equal(row("app/engine").values.dev, "postgres 17");
    });

    it("derives exposure, clients, alerts, PITR and protection from the recorded resources", () => {
        assert.equal(cell(c, "app/network", "dev"), "private");
        assert.equal(cell(c, "app/clients", "dev"), "this host (127.0.0.1)");
        assert.equal(cell(c, "app/clients", "prod"), "cidr 10.0.0.0/16");
        assert.equal(cell(c, "app/alerts", "prod"), "2 → no email (alerts still created)");
        assert.equal(cell(c, "app/alert kinds", "prod"), "CPUUtilization, FreeStorageSpace");
        assert.equal(cell(c, "app/alerts", "dev"), "none");
        assert.equal(cell(c, "app/PITR", "prod"), "yes, RDS, last 7 days");
        assert.equal(cell(c, "app/protection", "prod"), "on (1 protected, provider flag set)");
        assert.equal(cell(c, "app/protection", "dev"), "off (0 protected)");
    });

    it("shows replica kind, count and the staleness bound of baked replicas", () => {
        assert.equal(cell(c, "app/replicas", "dev"), "baked × 2");
        assert.equal(cell(c, "app/staleness bound", "dev"), "≤ 60 min (pre-baked image)");
        assert.equal(cell(c, "app/replicas", "prod"), "streaming × 1");
    });

    it("counts resources per database and per stack", () => {
        assert.equal(cell(c, "app/resources", "dev"), "5");
        assert.equal(cell(c, "(stack)/resources", "prod"), "9");
        assert.equal(cell(c, "(stack)/databases", "prod"), "app, billing");
    });

    it("shows the machine the resources ask for, and says so when it overrides the preset", () => {
        assert.equal(cell(c, "app/size", "prod"), "small: db.t4g.small, 20 GB (max 100)");
        const bigger = evals.map((e) => e.stack !== "prod" ? e : {
            ...e,
            resources: e.resources.map((r) => (r.name === "app-primary" || r.name === "app-replica-0" ? { ...r, inputs: { ...r.inputs, instanceClass: r.name === "app-primary" ? "db.r7g.2xlarge" : "db.t4g.micro" } } : r)),
        });
        // Read replicas (replicateSourceDb) do not size the database: only the primary's class shows.
        assert.equal(cell(buildComparison(bigger, loadPrices()), "app/size", "prod"), "small: db.r7g.2xlarge, 20 GB (max 100); overrides preset db.t4g.small");
    });

    it("flags a public port or an internet-wide rule", () => {
        const open = evals.map((e) => e.stack !== "dev" ? e : {
            ...e,
            resources: e.resources.map((r) => (r.name === "app-master" ? { ...r, inputs: { ...r.inputs, ports: [{ internal: 5432 }] } } : r)),
        });
        const opened = buildComparison(open, loadPrices());
        assert.equal(cell(opened, "app/network", "dev"), "PUBLIC: app-master publishes port 5432 on 0.0.0.0");
    });
});

describe("compare: summary rows from an example stack's real plan", function () {
    this.timeout(120_000);
    it("gcp-prod: the size row shows the gcp.tier and gcp.machineType overrides, not the preset", async () => {
        const c = buildComparison(await evaluateStacks(["gcp-prod"]), loadPrices());
        assert.match(cell(c, "payments/size", "gcp-prod")!, /^large: db-custom-8-53248, 500 GB \(max 2500\); overrides preset db-custom-4-26624$/);
        assert.match(cell(c, "ledger/size", "gcp-prod")!, /^large: n2-highmem-8, 500 GB \(max 2500\); overrides preset n2-highmem-4$/);
        assert.match(cell(c, "ledger/protection", "gcp-prod")!, /provider flag set/);
    });
});
