import * as assert from "node:assert/strict";
import { BUILD_ARG_NAMES } from "../../components/bake/dockerfile";
import { scramVerifier } from "../../components/bake";
import { runProgram } from "../../lib/mock-runner";
import { ofType } from "../helpers/resources";

/**
 * Every placement that bakes `replicas.dump` must hand the Dockerfile the build args it declares — a
 * misspelt arg is silently ignored by docker and leaves replicas without a reader password.
 */
describe("baked images: the same build args on every placement", () => {
    const baked = { kind: "baked", count: 1, dump: "stacks/seed/app.dump", maxStalenessMinutes: 60 };
    const cases: [string, Record<string, unknown>][] = [
        ["local/docker", { cloud: "local", placement: "docker", engineVersion: "15" }],
        ["local/cluster", { cloud: "local", placement: "cluster", replicas: { ...baked, repository: "registry.internal/app-baked" } }],
        ["aws/managed", { "aws:region": "eu-west-1", cloud: "aws", placement: "managed", engineVersion: "16" }],
        ["gcp/managed", { "gcp:project": "acme-test", "gcp:region": "europe-west1", cloud: "gcp", placement: "managed", engineVersion: "16" }],
    ];
    for (const [title, config] of cases) {
        it(title, async () => {
            const run = await runProgram({ stack: "test", config: { replicas: baked, ...config } });
            const images = ofType(run, "docker:index/remoteImage:RemoteImage").filter((i) => i.name === "app-baked-image");
            assert.equal(images.length, 1, "one baked image");
            const [image] = images;
            const build = image.inputs.build.value ?? image.inputs.build;
            const args = Object.fromEntries(Object.entries(build.buildArgs as Record<string, any>).map(([k, v]) => [k, v?.value ?? v])) as Record<string, string>;
            assert.deepEqual(Object.keys(args).filter((k) => !(BUILD_ARG_NAMES as readonly string[]).includes(k)), [], "undeclared build args");
            assert.match(args.READER_VERIFIER, /^SCRAM-SHA-256\$4096:/);
            assert.ok(image.secretPaths.some((p) => p === "build" || p === "build.buildArgs.READER_VERIFIER"), "the verifier stays a secret");
            // The verifier must be the reader password the stack exports, or reads would fail to log in.
            const readUri = new URL(run.outputs.databases.app.readConnectionSecret);
            assert.equal(args.READER_VERIFIER, scramVerifier(decodeURIComponent(readUri.password)));
        });
    }
});
