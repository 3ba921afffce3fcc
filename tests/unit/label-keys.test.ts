import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { awsTagKey, gcpLabelKey, K8S_LABELS, LABELS } from "../../components/labels";
import { KEYS } from "../../policy/conventions";
import { runProgram } from "../../lib/mock-runner";
import { one } from "../helpers/resources";

const ROOT = path.resolve(__dirname, "../..");
/** A key the program writes, spelled out as a string rather than read from components/labels.ts. */
const SPELLED_KEY = /["'`](dbplace\.io\/[a-z-]+|app\.kubernetes\.io\/[a-z-]+|dbplace[-:](stack|database|role))["'`]/;

function sources(dir: string): string[] {
    return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
        const rel = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "testing" || e.name === "node_modules" ? [] : sources(rel);
        return e.name.endsWith(".ts") ? [rel] : [];
    });
}

describe("label keys: one place (components/labels.ts)", () => {
    it("no other file of the program or the policy pack spells a label, annotation or tag key out", () => {
        const found: string[] = [];
        for (const file of [...sources("components"), ...sources("lib"), ...sources("policy")]) {
            if (file === path.join("components", "labels.ts")) continue;
            fs.readFileSync(path.join(ROOT, file), "utf8")
                .split("\n")
                .forEach((line, i) => {
                    const code = line.trim();
                    if (code.startsWith("*") || code.startsWith("//") || code.startsWith("/*")) return;
                    if (SPELLED_KEY.test(code)) found.push(`${file}:${i + 1}: ${code}`);
                });
        }
        assert.deepEqual(found, [], "use LABELS / K8S_LABELS / awsTagKey / gcpLabelKey from components/labels.ts");
    });

    it("spells each key per target: docker and Kubernetes as is, AWS tags with a colon, GCP labels with a dash", () => {
        assert.equal(awsTagKey(LABELS.database), "dbplace:database");
        assert.equal(gcpLabelKey(LABELS.maxStaleness), "dbplace-max-staleness-minutes");
        assert.equal(KEYS.database, LABELS.database, "the policy pack reads the program's keys");
        assert.equal(KEYS.component, K8S_LABELS.component);
    });

    it("the docker placement labels its containers with those keys", async () => {
        const run = await runProgram({ stack: "test", config: { cloud: "local", placement: "docker", deletionProtection: false } });
        const master = one(run, "docker:index/container:Container", "app-master");
        const labels = Object.fromEntries((master.inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
        assert.equal(labels[LABELS.stack], "test");
        assert.equal(labels[LABELS.database], "app");
        assert.equal(labels[LABELS.role], "master");
    });
});
