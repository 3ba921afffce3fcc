import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { evaluateStacks } from "../../lib/compare/collect";
import { diffResources } from "../../lib/compare/diff";
import { flattenInputs, SECRET_MASK } from "../../lib/compare/flatten";
import { StackEval } from "../../lib/compare/model";
import { fakeProgram } from "../../lib/compare/testing/fake-program";
import { loadFakeConfig } from "../../lib/compare/testing/fixtures";

class Fake extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super(type, name, props, opts);
    }
}

/** Two resources whose inputs depend on the stack: enough to see every kind of difference. */
async function tinyProgram(): Promise<Record<string, unknown>> {
    const stack = pulumi.getStack();
    const prod = stack === "prod";
    const db = new pulumi.ComponentResource("dbplace:index:Database", "app", {}, {});
    const a = new Fake("docker:index/container:Container", "app-master", {
        name: `${stack}-app-master`,
        image: prod ? "postgres:17" : "postgres:15",
        envs: [pulumi.secret(`PASSWORD=${stack}-secret`), "POSTGRES_DB=app"],
        ports: prod ? [{ internal: 5432, ip: "127.0.0.1" }, { internal: 9187, ip: "127.0.0.1" }] : [{ internal: 5432, ip: "127.0.0.1" }],
        mounts: ["/dev/shm"],
    }, { parent: db, protect: prod });
    const extra = prod ? [new Fake("aws:cloudwatch/metricAlarm:MetricAlarm", "app-cpu", { metricName: "CPUUtilization" }, { parent: db })] : [];
    const same = new Fake("docker:index/network:Network", "app-net", { name: `${stack}-app`, driver: "bridge" }, { parent: db });
    return { urns: [db.urn, a.urn, same.urn, ...extra.map((r) => r.urn)] };
}

describe("compare: resource-level diff", () => {
    let evals: StackEval[];
    before(async () => {
        evals = await evaluateStacks(["dev", "prod"], { program: tinyProgram, loadConfig: () => ({ "dbplace:cloud": "local", "dbplace:placement": "docker" }) });
    });

    it("lists resources registered by only some stacks", () => {
        const { resources } = diffResources(evals);
        const alarm = resources.find((r) => r.name === "app-cpu");
        assert.ok(alarm);
        assert.deepEqual([alarm.presentIn, alarm.absentFrom, alarm.database], [["prod"], ["dev"], "app"]);
    });

    it("shows only the inputs that differ, as flattened paths, with options as (protect)", () => {
        const { resources } = diffResources(evals);
        const master = resources.find((r) => r.name === "app-master")!;
        assert.deepEqual(master.inputs.map((d) => d.path), ["image", "ports[1].internal", "ports[1].ip", "(protect)"]);
        assert.deepEqual(master.inputs[0].values, { dev: "postgres:15", prod: "postgres:17" });
        assert.deepEqual(master.inputs[1].values, { dev: null, prod: "9187" });
    });

    it("masks secrets and treats the stack's own name as the same value everywhere", () => {
        const { resources, identical } = diffResources(evals);
        const master = resources.find((r) => r.name === "app-master")!;
        assert.ok(!master.inputs.some((d) => d.path.startsWith("envs[0]")), "a masked secret compares equal");
        assert.ok(!master.inputs.some((d) => d.path === "name"), "dev-app-master and prod-app-master are the same logical name");
        assert.ok(!resources.some((r) => r.name === "app-net"));
        assert.equal(identical, 2, "the facade and the network are identical");
        assert.ok(!JSON.stringify(resources).includes("secret"), "no secret value anywhere");
    });

    it("ignores stacks that failed", () => {
        const withBroken = [...evals, { stack: "broken", specs: [], resources: [], providerConfig: {}, error: { kind: "config" as const, message: "bad" } }];
        const { resources } = diffResources(withBroken);
        assert.ok(resources.every((r) => !r.absentFrom.includes("broken") && !r.presentIn.includes("broken")));
    });
});

describe("compare: flattening inputs", () => {
    it("uses dots for keys and [i] for items, and keeps empty containers as leaves", () => {
        const flat = flattenInputs({ spec: { containers: [{ image: "x", args: [] }], labels: {} }, n: 3 }, [], "dev");
        assert.deepEqual([...flat], [["n", "3"], ["spec.containers[0].args", "[]"], ["spec.containers[0].image", "x"], ["spec.labels", "{}"]]);
    });

    it("masks every path under a secret path", () => {
        const flat = flattenInputs({ env: [{ name: "A", value: "s3cr3t" }], other: "ok" }, ["env.0"], "dev");
        assert.deepEqual([...flat], [["env[0]", SECRET_MASK], ["other", "ok"]]);
    });

    it("replaces the stack name only as a whole word", () => {
        const flat = flattenInputs({ a: "dev-app", b: "devices", c: "/dev/shm", d: "x.dev" }, [], "dev");
        assert.deepEqual(Object.fromEntries(flat), { a: "{stack}-app", b: "devices", c: "/dev/shm", d: "x.{stack}" });
    });
});

describe("compare: fake program end to end", () => {
    it("registers the same logical names in every stack for the same database", async () => {
        const evals = await evaluateStacks(["dev", "prod"], { program: fakeProgram, loadConfig: loadFakeConfig });
        const { resources } = diffResources(evals);
        const facade = resources.find((r) => r.type === "dbplace:index:Database" && r.name === "billing")!;
        assert.deepEqual(facade.absentFrom, ["dev"]);
    });
});
