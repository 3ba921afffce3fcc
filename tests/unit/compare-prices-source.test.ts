import * as assert from "node:assert/strict";
import { loadPrices } from "../../lib/compare/prices";
import { extractRds, moduleDir, RDS_SOURCE, rdsEntry, readRdsList } from "../../scripts/prices-extract";

/**
 * The RDS figures of data/prices.json are extracted by scripts/prices-extract.ts from the price list a
 * public Go module ships. The first tests pin how a figure is picked (engine code, region, no
 * borrowing); the last fetches the module for real and fails when the table and the list disagree,
 * so a figure edited by hand, or a stale one after the pinned version moves, cannot go unnoticed.
 */
const list = [
    {
        instance_type: "db.m7g.large",
        pricing: {
            "eu-west-1": { "14": { ondemand: 0.186 }, PostgreSQL: { ondemand: 0.186 }, "2": { ondemand: 0.186 }, MySQL: { ondemand: 0.2 } },
            "us-east-1": { "21": { ondemand: 0.3 } },
        },
    },
];

describe("compare: RDS prices come from the generated list, field by field", function () {
    it("takes the engine code's Single-AZ rate and says where it sits", () => {
        assert.deepEqual(rdsEntry(list, "eu-west-1", "rds:postgres:db.m7g.large"), {
            usd: 0.186,
            src: RDS_SOURCE.id,
            date: "2025-05-28",
            field: 'data/rds-instances.json [instance_type=db.m7g.large].pricing["eu-west-1"]["14"].ondemand',
        });
    });

    it("records a gap, never a neighbour's figure, when the region, engine or class is missing or ambiguous", () => {
        const gap = (region: string, key: string) => {
            const e = rdsEntry(list, region, key);
            assert.equal(e.usd, null, `${region} ${key}`);
            return "why" in e ? e.why : "";
        };
        // Aurora PostgreSQL (code 21) is listed in us-east-1, RDS for PostgreSQL (code 14) is not.
        assert.match(gap("us-east-1", "rds:postgres:db.m7g.large"), /no us-east-1 on-demand rate for db\.m7g\.large under engine code 14/);
        assert.match(gap("eu-west-1", "rds:postgres:db.r7g.xlarge"), /no eu-west-1 on-demand rate/);
        assert.match(gap("eu-west-1", "rds:mysql:db.m7g.large"), /two rates \(engine code 2: 0\.186, "MySQL": 0\.2\)/);
        assert.match(gap("eu-west-1", "rds:oracle:db.m7g.large"), /postgres or mysql only/);
    });

    it("data/prices.json holds exactly what the pinned Go module's list says (fetched with go mod download)", function () {
        this.timeout(600_000);
        const table = loadPrices();
        const extracted = extractRds(table, readRdsList(moduleDir()));
        assert.ok(extracted.length >= 16, "every RDS class key of both AWS regions is extracted");
        for (const { region, key, entry } of extracted) {
            assert.deepEqual(table.regions[region].hourly[key], entry, `${region} ${key}: run npx ts-node -T scripts/prices-extract.ts --write`);
        }
        assert.ok(table.sources.some((s) => s.id === RDS_SOURCE.id && s.what === RDS_SOURCE.what), "the source names the module, version and file");
    });
});
