import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderConfigReference, requiredKeys, undocumentedKeys } from "../../lib/config-docs";
import { PROJECT_ROOT } from "../../lib/stacks";

describe("docs cannot drift from the code", () => {
    it("Pulumi.yaml documents exactly the keys the validator accepts", () => {
        assert.deepEqual(undocumentedKeys(), { missing: [], extra: [] });
    });

    it("only `cloud` is required by the CLI: every other key has a Pulumi.yaml default", () => {
        assert.deepEqual(requiredKeys(), ["cloud"]);
    });

    it("README.md's config reference is the one generated from Pulumi.yaml (run `npm run docs`)", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        assert.ok(readme.includes(renderConfigReference()), "README.md config reference is stale: run `npm run docs`");
    });
});
