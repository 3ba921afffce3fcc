import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { Database } from "../../components/database";
import { resolveStack } from "../../components/config/validate";
import { StackInfrastructure } from "../../components/shared";
import { resolvePackageInTree } from "../../examples/in-tree";
import { MockRun, RecordedResource, runProgram } from "../../lib/mock-runner";
import { AWS, drained, names, runAws } from "./aws-harness";
import { ofType, one } from "../helpers/resources";

/**
 * The URN an alias spec names, resolved the way the engine does: name and type default to the resource's
 * own, `noParent` means the stack (no parent type in the URN).
 */
function aliasedUrn(run: MockRun, r: RecordedResource, spec: NonNullable<RecordedResource["aliasSpecs"]>[number]): string {
    const parentTypes = spec.noParent ? "" : `${(spec.parentUrn ?? r.parentUrn ?? "").split("::")[2]}$`;
    return `urn:pulumi:${run.stack}::${run.project}::${parentTypes}${spec.type ?? r.type}::${spec.name ?? r.name}`;
}

function assertSharedPiece(run: MockRun, cloud: string, type: string, name: string): void {
    const piece = one(run, type, name);
    assert.match(piece.parentUrn ?? "", new RegExp(`dbplace:${cloud}:Shared::shared$`), `${name} belongs to the stack's shared component, no database`);
    // Stacks deployed when it had no parent: the engine finds it under its former URN, so nothing is replaced.
    const formerUrn = `urn:pulumi:${run.stack}::${run.project}::${type}::${name}`;
    assert.ok((piece.aliasSpecs ?? []).some((s) => aliasedUrn(run, piece, s) === formerUrn), `${name} aliases ${JSON.stringify(piece.aliasSpecs)} do not name ${formerUrn}`);
}

describe("shared stack infrastructure: one object, built from every spec, passed to each placement", () => {
    it("AWS: the stack's VPC and EKS cluster sit under dbplace:aws:Shared, aliased to their unparented URNs", async () => {
        const run = await runAws({ placement: "managed", deletionProtection: false, databases: { orders: {}, jobs: { placement: "cluster", cluster: { create: true } } } });
        assert.deepEqual(ofType(run, "dbplace:aws:Shared").map((r) => r.name), ["shared"]);
        assertSharedPiece(run, "aws", "dbplace:aws:Network", "network");
        assertSharedPiece(run, "aws", "dbplace:aws:EksCluster", "eks");
        assert.deepEqual(names(run, "aws:ec2/vpc:Vpc"), ["network-vpc"]);
    });

    it("GCP: the same, and the first database's former per-database network stays aliased", async () => {
        const run = await runProgram({
            stack: "gcp-shared",
            config: { cloud: "gcp", "gcp:project": "acme-test", "gcp:region": "europe-west1", deletionProtection: false, databases: { orders: { placement: "managed" }, jobs: { placement: "cluster", cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] } } } },
        });
        assert.deepEqual(ofType(run, "dbplace:gcp:Shared").map((r) => r.name), ["shared"]);
        assertSharedPiece(run, "gcp", "dbplace:gcp:Network", "network");
        assertSharedPiece(run, "gcp", "dbplace:gcp:GkeCluster", "gke");
        assert.ok(one(run, "dbplace:gcp:Network", "network").aliases.some((a) => a.includes("orders-network")));
    });

    it("creates no shared component where nothing is shared", async () => {
        const run = await runAws({ placement: "cluster", cluster: { context: "ops" } });
        assert.deepEqual(ofType(run, "dbplace:aws:Shared"), []);
        assert.deepEqual(ofType(run, "dbplace:aws:Network"), []);
    });

    it("keeps no state between runs in one process: each stack sizes its own network", async () => {
        const ha = await runAws({ placement: "vm", highAvailability: true, deletionProtection: false }, "first");
        const rdsOnly = await runAws({ placement: "managed", deletionProtection: false }, "second");
        assert.deepEqual(names(ha, "aws:ec2/natGateway:NatGateway"), ["network-nat-0", "network-nat-1"]);
        assert.deepEqual(names(rdsOnly, "aws:ec2/natGateway:NatGateway"), []);
    });

    it("as a library: databases given one StackInfrastructure share the network, sized from all of them", async () => {
        const { databases } = resolveStack({ cloud: "aws", deletionProtection: false, databases: { a: { placement: "managed" }, b: { placement: "vm", highAvailability: true } } }, "dbplace", { config: { "aws:region": "eu-west-1" } });
        const program = async () => {
            const shared = new StackInfrastructure(databases);
            // RDS first: without the whole stack in view, its network would get no NAT, which the HA VM needs per zone.
            for (const spec of databases) new Database(spec.name, { spec, shared });
            return { placements: pulumi.output(databases.map((d) => d.placement)) };
        };
        const run = await runProgram({ stack: "lib-shared", config: AWS, program: drained(program) });
        assert.deepEqual(names(run, "dbplace:aws:Network"), ["network"]);
        assert.deepEqual(names(run, "aws:ec2/natGateway:NatGateway"), ["network-nat-0", "network-nat-1"]);
    });
});

describe("checkStack names keys in the namespace the databases are read from", function () {
    this.timeout(120_000);
    let restore: () => void;
    before(() => (restore = resolvePackageInTree()));
    after(() => restore());

    it("examples/app-team (project app-team, databases under dbplace:): the AWS pre-flight says dbplace:", async () => {
        const example = path.resolve(__dirname, "../../examples/app-team");
        const { config } = parse(fs.readFileSync(path.join(example, "Pulumi.aws.yaml"), "utf8")) as { config: Record<string, unknown> };
        // A region with one availability zone: RDS subnet groups and the HA standby need two.
        const program = require(path.join(example, "index.ts")) as () => Promise<Record<string, unknown>>;
        await assert.rejects(runProgram({ project: "app-team", stack: "one-zone", config: { ...config, "aws:region": "ap-single-1" }, program }), (err: Error) => {
            assert.match(err.message, /dbplace:highAvailability \(database "orders"\) is true, but region "ap-single-1" has 1 availability zone/);
            assert.doesNotMatch(err.message, /app-team:/);
            return true;
        });
    });
});
