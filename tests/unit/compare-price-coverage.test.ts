import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { evaluateWithMocks } from "../../lib/compare/collect";
import { estimateCost, regionOf } from "../../lib/compare/cost/estimate";
import { loadPrices } from "../../lib/compare/prices";
import { attribute } from "../../lib/compare/resources";
import { listStacks, loadStackConfig, PROJECT_ROOT } from "../../lib/stacks";

/**
 * Every instance type, storage class and priced service a preset can produce must have an entry in
 * data/prices.json in every region the example stacks use and every region the table documents: a
 * figure with its source and date, or a recorded gap (null with why). A key that is simply absent, or a
 * billable type no pricer knows, fails here. The walk registers one stack per cloud × region whose
 * databases cover placements × sizes × engines × HA × replica kinds, through the real program.
 */
const prices = loadPrices();
const SIZES = ["small", "medium", "large"] as const;

function walkDatabases(cloud: "aws" | "gcp"): Record<string, unknown> {
    const dbs: Record<string, unknown> = {};
    for (const size of SIZES) {
        for (const engine of ["postgres", "mysql"] as const) {
            dbs[`m-${size}-${engine}`] = { placement: "managed", size, engine, highAvailability: size !== "small", replicas: { kind: "streaming", count: 1 } };
            // Standby VMs replicate postgres only, and the VM images ship MySQL 8.0.
            const vm = engine === "postgres" ? { highAvailability: size === "large", replicas: { kind: "streaming", count: 1 } } : { engineVersion: "8.0" };
            dbs[`v-${size}-${engine}`] = { placement: "vm", size, engine, ...vm };
        }
        const baked = { kind: "baked", count: 2, image: `registry.example/${cloud}-${size}:seed`, maxStalenessMinutes: 60 };
        dbs[`vb-${size}`] = { placement: "vm", size, replicas: baked };
        dbs[`mb-${size}`] = { placement: "managed", size, replicas: baked };
    }
    // GKE's control plane must name who may reach it; EKS has no such key.
    dbs["k-create"] = { placement: "cluster", cluster: { create: true, ...(cloud === "gcp" ? { apiAllowedCidrs: ["203.0.113.0/24"] } : {}) } };
    return dbs;
}

function stackConfig(cloud: "aws" | "gcp", region: string): Record<string, unknown> {
    const provider = cloud === "aws" ? { "aws:region": region } : { "gcp:project": "acme-walk", "gcp:region": region };
    return { ...provider, "dbplace:cloud": cloud, "dbplace:alertEmail": "oncall@example.com", "dbplace:network": { allowedCidrs: ["10.0.0.0/16"] }, "dbplace:databases": walkDatabases(cloud) };
}

const exampleRegions = new Set<string>();
for (const stack of listStacks()) {
    const config = loadStackConfig(stack);
    for (const key of ["aws:region", "gcp:region"]) if (typeof config[key] === "string") exampleRegions.add(`${key.split(":")[0]}/${config[key]}`);
}
// The README's comparison section names the priced regions; every one of them is walked.
const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
const readmeRegions = [...(/^Priced regions: (.*?)\(/ms.exec(readme)?.[1] ?? "").matchAll(/`((?:aws|gcp)\/[a-z0-9-]+)`/g)].map((m) => m[1]);
const documented = [...new Set([...Object.keys(prices.regions), ...readmeRegions])];

describe("compare: every price a preset or an example stack can produce is in data/prices.json", function () {
    this.timeout(240_000);

    it("documents every region the example stacks use", () => {
        assert.deepEqual([...exampleRegions].filter((r) => !documented.includes(r)), []);
    });

    it("the README's priced regions are the table's regions", () => {
        assert.ok(readmeRegions.length > 0, "README.md has a 'Priced regions:' line in its comparison section");
        assert.deepEqual([...readmeRegions].sort(), Object.keys(prices.regions).sort());
    });

    for (const region of documented) {
        const [cloud, name] = region.split("/") as ["aws" | "gcp", string];
        it(`${region}: presets × placements × engines × HA × replicas have an entry (figure or recorded gap)`, async () => {
            const e = await evaluateWithMocks(`walk-${cloud}`, stackConfig(cloud, name));
            assert.equal(e.error, undefined, e.error?.message);
            const owner = attribute(e.resources);
            assert.ok(e.resources.some((r) => regionOf(r, e.providerConfig) === region), `the walk registers something priced in ${region}`);
            const missing = new Set<string>();
            // Per database, and what no database owns (an EKS/GKE cluster, a shared network), as compare prices them.
            for (const scope of [...e.specs.map((s) => s.name), null]) {
                const cost = estimateCost(e.resources.filter((r) => owner.get(r) === scope), prices, e.providerConfig);
                for (const u of cost.unpriced) if (u.why === "not in the price table" || u.item.startsWith("type ")) missing.add(`${u.item} (${u.resource})`);
            }
            assert.deepEqual([...missing].sort(), [], `add these to data/prices.json (a dated figure, or null with why)`);
        });
    }

    it("every figure names a listed source and a date; every gap says why", () => {
        const ids = new Set(prices.sources.map((s) => s.id));
        for (const [region, kinds] of Object.entries(prices.regions)) {
            for (const entries of Object.values(kinds)) {
                for (const [key, entry] of Object.entries(entries)) {
                    if (entry.usd === null) assert.ok(entry.why.length > 10, `${region} ${key}: say why it is unpriced`);
                    else assert.ok(ids.has(entry.src) && /^\d{4}/.test(entry.date), `${region} ${key}: source and date`);
                }
            }
        }
    });
});
