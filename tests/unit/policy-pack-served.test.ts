import * as assert from "node:assert/strict";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { policies, stackPolicies, wideAllowListEntries } from "../../policy/policies";

const grpc = require("@grpc/grpc-js");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");

const ROOT = path.resolve(__dirname, "../..");
const POLICY_DIR = path.join(ROOT, "policy");

/**
 * The pack as the CLI starts it: `run-policy-pack <engine> <dir>` in the pack's directory, which serves
 * the analyzer over gRPC and prints its port. This test plays the engine's part for two calls, so the
 * entry point, PulumiPolicy.yaml's directory and package.json's version are exercised without a CLI.
 */
function startPack(): Promise<{ child: ChildProcess; port: number }> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [ROOT] });
    const child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout!.on("data", (d) => {
            out += d;
            const port = /^(\d+)\s*$/m.exec(out);
            if (port) resolve({ child, port: Number(port[1]) });
        });
        child.stderr!.on("data", (d) => (err += d));
        child.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${out}\n${err}`)));
    });
}

function call<T>(client: any, method: string, request: unknown): Promise<T> {
    return new Promise((ok, fail) => client[method](request, (e: Error | null, r: T) => (e ? fail(e) : ok(r))));
}

function analyzeRequest(type: string, name: string, props: Record<string, unknown>): unknown {
    const req = new analyzer.AnalyzeRequest();
    req.setType(type);
    req.setName(name);
    req.setUrn(`urn:pulumi:dev::dbplace::${type}::${name}`);
    req.setProperties(Struct.fromJavaScript(props));
    const options = new analyzer.AnalyzerResourceOptions();
    options.setProtect(false);
    req.setOptions(options);
    return req;
}

describe("policy pack served over gRPC (policy/index.ts)", () => {
    let pack: { child: ChildProcess; port: number };
    let client: any;
    before(async function () {
        this.timeout(120_000);
        pack = await startPack();
        client = new AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure());
    });
    after(() => {
        client?.close();
        pack?.child.kill();
    });

    it("announces every policy of policies.ts, mandatory unless it says otherwise", async () => {
        const info: any = await call(client, "getAnalyzerInfo", new Empty());
        assert.equal(info.getName(), "dbplace-guardrails");
        assert.deepEqual(info.getPoliciesList().map((p: any) => p.getName()).sort(), [...policies, ...stackPolicies].map((p) => p.name).sort());
        assert.equal(info.getPoliciesList()[0].getEnforcementlevel(), analyzer.EnforcementLevel.MANDATORY);
        const wide = info.getPoliciesList().find((p: any) => p.getName() === wideAllowListEntries.name);
        assert.equal(wide.getEnforcementlevel(), analyzer.EnforcementLevel.ADVISORY);
    });

    it("reports a publicly accessible RDS instance and passes a private one", async () => {
        const bad: any = await call(client, "analyze", analyzeRequest("aws:rds/instance:Instance", "orders", { publiclyAccessible: true, storageEncrypted: true, instanceClass: "db.t4g.small" }));
        const messages = bad.getDiagnosticsList().map((d: any) => `${d.getPolicyname()}: ${d.getMessage()}`);
        assert.equal(messages.length, 1, messages.join("\n"));
        assert.match(messages[0], /^dbplace-no-public-database-endpoint: .*publiclyAccessible is true/s);
        const good: any = await call(client, "analyze", analyzeRequest("aws:rds/instance:Instance", "orders", { publiclyAccessible: false, storageEncrypted: true, instanceClass: "db.t4g.small" }));
        assert.deepEqual(good.getDiagnosticsList().map((d: any) => d.getMessage()), []);
    });
});
