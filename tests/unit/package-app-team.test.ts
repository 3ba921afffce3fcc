import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { placementFactory, resolveStackConfig } from "../../components";
import { resolvePackageInTree } from "../../examples/in-tree";
import { MockRun, RecordedResource, runProgram, toPulumiConfig } from "../../lib/mock-runner";
import { checkRun } from "../../policy/offline";
import { expectConfigError, one } from "../helpers/resources";

const EXAMPLE = path.resolve(__dirname, "../../examples/app-team");
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Example stacks (Pulumi.<stack>.yaml) with their config, as the stack files hold it. */
const stacks = fs.readdirSync(EXAMPLE)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort()
    .map((stack) => ({ stack, config: (parse(fs.readFileSync(path.join(EXAMPLE, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> }).config }));

/** A stack runs offline only when this build implements every placement it asks for. */
function missingPlacements(config: Record<string, unknown>): string[] {
    const all = toPulumiConfig("app-team", config);
    return resolveStackConfig(all, "dbplace", {})
        .databases.filter((d) => !placementFactory(d.cloud, d.placement)).map((d) => `${d.cloud}/${d.placement}`);
}

const plain = (v: unknown): any => (v && typeof v === "object" && SECRET_SIG in (v as object) ? (v as { value: unknown }).value : v);

function run(stack: string, config: Record<string, unknown>): Promise<MockRun> {
    const program = require(path.join(EXAMPLE, "index.ts")) as () => Promise<Record<string, unknown>>;
    return runProgram({ project: "app-team", stack, config, program });
}

describe("examples/app-team: an application team consuming the package", function () {
    this.timeout(120_000);
    let restore: () => void;
    before(() => (restore = resolvePackageInTree()));
    after(() => restore());

    it("has example stacks, at least one of which this build can plan", () => {
        assert.ok(stacks.length > 0, "examples/app-team needs Pulumi.<stack>.yaml files");
        assert.ok(stacks.some((s) => missingPlacements(s.config).length === 0), `no example stack is plannable: ${stacks.map((s) => `${s.stack} needs ${missingPlacements(s.config).join(", ")}`).join("; ")}`);
    });

    for (const { stack, config } of stacks) {
        describe(`stack ${stack}`, () => {
            let result: MockRun;
            before(async function () {
                const missing = missingPlacements(config);
                if (missing.length > 0) {
                    console.log(`      (skipped: placements ${missing.join(", ")} are not implemented in this build)`);
                    this.skip();
                }
                result = await run(stack, config);
            });

            it("places its two databases differently", () => {
                const facades = result.resources.filter((r) => r.type === "dbplace:index:Database").map((r) => r.name).sort();
                assert.deepEqual(facades, ["catalog", "orders"]);
                assert.notEqual(result.outputs.catalogPlacement, result.outputs.ordersPlacement);
            });

            it("runs the catalog's baked replica as a sidecar in the shop's pods", () => {
                const deployment = one(result, "kubernetes:apps/v1:Deployment", "shop");
                const pod = deployment.inputs.spec.template.spec;
                const containers: any[] = [...(pod.initContainers ?? []), ...pod.containers];
                const sidecar = containers.find((c) => c.image === (config["dbplace:databases"] as any).catalog.replicas.image);
                assert.ok(sidecar, `no container runs the baked image; containers: ${containers.map((c) => c.name).join(", ")}`);
                assert.deepEqual(sidecar.ports.map((p: any) => p.containerPort), [5432]);
                if (pod.initContainers?.includes(sidecar)) assert.equal(sidecar.restartPolicy, "Always", "a native sidecar restarts with the pod");
                assert.equal(deployment.inputs.spec.template.metadata.annotations["dbplace.io/max-staleness-minutes"], "420");
            });

            it("reads the catalog on 127.0.0.1 and writes orders through the contract's connectionSecret", () => {
                const secret = one(result, "kubernetes:core/v1:Secret", "shop-db");
                const data = plain(secret.inputs.stringData);
                const read = new URL(data.CATALOG_READ_URL);
                assert.equal(read.hostname, "127.0.0.1");
                assert.equal(read.port, "5432");
                assert.equal(read.username, "dbplace_reader");
                const write = new URL(data.ORDERS_URL);
                assert.equal(write.hostname, result.outputs.ordersHost, "ORDERS_URL points at the orders primary");
                const app = one(result, "kubernetes:apps/v1:Deployment", "shop").inputs.spec.template.spec.containers.find((c: any) => c.name === "shop");
                assert.deepEqual(app.env.map((e: any) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]), [
                    ["ORDERS_URL", "shop-db", "ORDERS_URL"],
                    ["CATALOG_READ_URL", "shop-db", "CATALOG_READ_URL"],
                ]);
            });

            it("keeps the Secret's data a Pulumi secret", () => {
                const secret: RecordedResource = one(result, "kubernetes:core/v1:Secret", "shop-db");
                assert.ok(secret.secretPaths.some((p) => p === "stringData" || p.startsWith("stringData.")), `secret paths: ${secret.secretPaths.join(", ") || "none"}`);
            });

            it("passes the platform's policy pack", () => {
                assert.deepEqual(checkRun(result).map((v) => `[${v.policy}] ${v.message}`), []);
            });
        });
    }

    it("refuses a catalog that is not a baked sidecar, before registering anything", async () => {
        const plannable = stacks.find((s) => missingPlacements(s.config).length === 0);
        assert.ok(plannable);
        const databases = JSON.parse(JSON.stringify(plannable.config["dbplace:databases"]));
        databases.catalog.replicas = { kind: "streaming", count: 1 };
        await expectConfigError(() => run(plannable.stack, { ...plannable.config, "dbplace:databases": databases }), /dbplace:databases.catalog.replicas must be \{kind: baked, mode: sidecar\}/);
    });
});
