import * as assert from "node:assert/strict";
import { runProgram } from "../../lib/mock-runner";
import { expectConfigError } from "../helpers/resources";

/** The program path (Pulumi string config → validation) stops before registering anything. */
describe("program: bad config registers nothing", () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
        ["unknown cloud", { cloud: "azure", placement: "docker" }, /dbplace:cloud is "azure"; allowed values: aws, gcp, local/],
        ["unknown top-level key", { cloud: "local", placement: "docker", replica: { kind: "baked" } }, /dbplace:replica is not a known key \(did you mean "replicas"\?\)/],
        ["boolean typo", { cloud: "local", placement: "docker", deletionProtection: "no" }, /dbplace:deletionProtection is "no"; allowed values: true, false/],
        ["bad entry in a mixed stack", { cloud: "local", placement: "docker", databases: { good: {}, bad: { replicas: { kind: "streaming", count: 99 } } } }, /dbplace:databases.bad.replicas.count is 99; it must be at most 20/],
        ["keys of other namespaces never stand in for the project's", { "other:cloud": "local", cloud: "moon" }, /dbplace:cloud is "moon"/],
    ];
    for (const [title, config, pattern] of cases) {
        it(title, () => expectConfigError(() => runProgram({ stack: "test", config }), pattern));
    }

    it("runs with valid config after a failed run (the runtime is reusable)", async () => {
        await expectConfigError(() => runProgram({ stack: "test", config: { cloud: "nope" } }), /cloud/);
        const ok = await runProgram({ stack: "test", config: { cloud: "local", placement: "docker", deletionProtection: false } });
        assert.ok(ok.resources.length > 0);
        assert.equal(ok.outputs.databases.app.placement, "docker");
    });
});

describe("program: what the CLI hands it", () => {
    it("applies Pulumi.yaml defaults, where an empty string means unset", async () => {
        const run = await runProgram({ stack: "test", config: { cloud: "local", placement: "docker" } });
        const master = run.resources.find((r) => r.name === "app-master")!;
        assert.equal(master.inputs.envs.includes("POSTGRES_DB=app"), true);
        // deletionProtection's Pulumi.yaml default (true) reached the program.
        assert.equal(run.resources.find((r) => r.name === "app-data")!.protect, true);
    });

    it("an empty stack-wide key is unset, so per-database values still apply", async () => {
        const run = await runProgram({ stack: "test", config: { cloud: "local", placement: "", databases: { a: { placement: "docker" } }, replicas: "" } });
        assert.equal(run.outputs.databases.a.placement, "docker");
    });
});
