import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { BAKEABLE_PLACEMENTS, CLOUDS, PLACEMENTS, PLACEMENTS_BY_CLOUD, REPLICA_SUPPORT } from "../../components/config/schema";
import { ENGINE_PRESET_OVERRIDES, INSTANCE_PRESETS } from "../../components/config/presets";
import { descriptorOf, PLACEMENT_DESCRIPTORS, placementsTaking } from "../../components/descriptors";
import { implementedPlacements, placementFactory } from "../../components/placements";
import { renderPlacementMatrix } from "../../lib/placement-docs";
import { PROJECT_ROOT } from "../../lib/stacks";

describe("placement descriptors: one declaration per cloud × placement", () => {
    it("derive the config vocabulary and the replica matrix in the order messages print them", () => {
        assert.deepEqual([...CLOUDS], ["aws", "gcp", "local"]);
        assert.deepEqual([...PLACEMENTS], ["cluster", "vm", "managed", "docker"]);
        assert.deepEqual(PLACEMENTS_BY_CLOUD, { aws: ["cluster", "vm", "managed"], gcp: ["cluster", "vm", "managed"], local: ["docker", "cluster"] });
        assert.deepEqual(REPLICA_SUPPORT.aws, {
            cluster: { baked: "self", streaming: "self" },
            vm: { baked: "cluster-or-vms", streaming: "self" },
            managed: { baked: "cluster-or-vms", streaming: "self" },
        });
        assert.deepEqual(REPLICA_SUPPORT.local, { docker: { baked: "self", streaming: "self" }, cluster: { baked: "self", streaming: "self" } });
        assert.deepEqual(BAKEABLE_PLACEMENTS, { postgres: ["cluster", "vm", "managed", "docker"], mysql: ["docker"] });
    });

    it("derive the instance presets (cloud placements) and the engine overrides", () => {
        assert.deepEqual(Object.keys(INSTANCE_PRESETS).sort(), ["aws:managed", "aws:vm", "gcp:managed", "gcp:vm"]);
        assert.equal(INSTANCE_PRESETS["aws:managed"]?.medium.instanceType, "db.m7g.large");
        assert.equal(INSTANCE_PRESETS["gcp:vm"]?.large.maxStorageGb, 2500);
        assert.deepEqual(Object.keys(ENGINE_PRESET_OVERRIDES), ["aws:managed:mysql"]);
        assert.equal(ENGINE_PRESET_OVERRIDES["aws:managed:mysql"]?.small?.instanceType, "db.t4g.medium");
    });

    it("say which placements take each key of a cloud block", () => {
        assert.deepEqual(placementsTaking("gcp", "machineType"), ["cluster", "vm"]);
        assert.deepEqual(placementsTaking("gcp", "tier"), ["managed"]);
        assert.deepEqual(placementsTaking("aws", "masterPassword"), ["managed"]);
        assert.deepEqual(placementsTaking("aws", "tier"), []);
    });

    it("are the registry: every descriptor is implemented, nothing else is", () => {
        assert.deepEqual(implementedPlacements(), PLACEMENT_DESCRIPTORS.map((d) => [d.cloud, d.placement]));
        assert.equal(descriptorOf("local", "vm"), undefined);
        assert.equal(placementFactory("local", "managed"), undefined);
        assert.equal(typeof placementFactory("local", "docker"), "function");
    });

    it("load no Pulumi SDK: reading the config vocabulary and the descriptors stays cheap", () => {
        // A fresh process, so modules this test process already loaded do not count.
        const script = [
            "require('ts-node').register({ transpileOnly: true });",
            "require('./components/config');",
            "require('./components/descriptors');",
            "const sdks = Object.keys(require.cache).filter((f) => f.includes('/node_modules/@pulumi/'));",
            "process.stdout.write(JSON.stringify(sdks));",
        ].join("\n");
        const loaded = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" })) as string[];
        assert.deepEqual(loaded, []);
    });

    it("a factory loads its own placement module only, when asked", () => {
        const script = [
            "require('ts-node').register({ transpileOnly: true });",
            "const { descriptorOf } = require('./components/descriptors');",
            "const loaded = () => ['aws', 'gcp', 'docker', 'kubernetes'].filter((p) => Object.keys(require.cache).some((f) => f.includes(`/node_modules/@pulumi/${p}/`)));",
            "const before = loaded();",
            "descriptorOf('local', 'docker').factory();",
            "process.stdout.write(JSON.stringify({ before, after: loaded() }));",
        ].join("\n");
        const { before, after } = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: PROJECT_ROOT, encoding: "utf8" })) as { before: string[]; after: string[] };
        assert.deepEqual(before, []);
        assert.ok(after.includes("docker") && !after.includes("aws") && !after.includes("gcp"), `loaded after the docker factory: ${after.join(", ")}`);
    });

    it("docs/architecture.md's placement matrix is the one generated from them (run `npm run docs`)", () => {
        const doc = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "architecture.md"), "utf8");
        assert.ok(doc.includes(renderPlacementMatrix()), "docs/architecture.md placement matrix is stale: run `npm run docs`");
    });
});
