import * as assert from "node:assert/strict";
import { FORMER_TYPES, formerUrn } from "../../components/renames";
import { MockRun, RecordedResource, runProgram } from "../../lib/mock-runner";
import { listStacks, loadStackConfig } from "../../lib/stacks";

/**
 * Component type tokens name the folder once (`dbplace:docker:Database`, not `dbplace:docker:DockerDatabase`),
 * and every renamed component carries an alias to its former token, so stacks deployed before keep their
 * resources (tests/engine/renames.e2e.ts proves the engine agrees on a real docker stack).
 */
const RENAMED: Record<string, string> = {
    "dbplace:aws:Monitoring": "dbplace:aws:Alerts",
    "dbplace:cluster:BakedReplicas": "dbplace:cluster:ClusterBakedReplicas",
    "dbplace:cluster:Database": "dbplace:cluster:ClusterDatabase",
    "dbplace:cluster:StreamingReplicas": "dbplace:cluster:ClusterStreamingReplicas",
    "dbplace:docker:BakedMysqlReplicas": "dbplace:docker:DockerBakedMysqlReplicas",
    "dbplace:docker:BakedReplicas": "dbplace:docker:DockerBakedReplicas",
    "dbplace:docker:Database": "dbplace:docker:DockerDatabase",
    "dbplace:docker:StreamingReplicas": "dbplace:docker:DockerStreamingReplicas",
    "dbplace:gcp:BakedReplicas": "dbplace:gcp:GcpBakedReplicas",
    "dbplace:gcp:ClusterDatabase": "dbplace:gcp:GcpClusterDatabase",
    "dbplace:gcp:ManagedDatabase": "dbplace:gcp:GcpManagedDatabase",
    "dbplace:gcp:Monitoring": "dbplace:gcp:GcpMonitoring",
    "dbplace:gcp:Network": "dbplace:gcp:GcpNetwork",
    "dbplace:gcp:VmDatabase": "dbplace:gcp:GcpVmDatabase",
};

const GCP = { "gcp:project": "acme-test", "gcp:region": "europe-west1", cloud: "gcp" };
/** Every example stack, and what they do not cover: docker streaming and MySQL baked replicas, GCP's cluster placement. */
async function everyComponent(): Promise<RecordedResource[]> {
    const runs: MockRun[] = [];
    for (const stack of listStacks()) runs.push(await runProgram({ stack, config: loadStackConfig(stack) }));
    runs.push(
        await runProgram({
            stack: "test",
            config: { cloud: "local", placement: "docker", deletionProtection: false, replicas: { kind: "streaming", count: 1 } },
        }),
    );
    runs.push(
        await runProgram({
            stack: "test",
            config: {
                cloud: "local",
                placement: "docker",
                engine: "mysql",
                engineVersion: "8.0",
                image: "dbplace/mariadb:10.11",
                deletionProtection: false,
                replicas: { kind: "baked", count: 1, dump: "tests/fixtures/app-mysql.sql", maxStalenessMinutes: 90 },
            },
        }),
    );
    runs.push(await runProgram({ stack: "test", config: { ...GCP, placement: "cluster", cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] } } }));
    return runs.flatMap((r) => r.resources);
}

describe("component type tokens: dbplace:<folder>:<Type>, aliased to their former tokens", function () {
    let resources: RecordedResource[];
    before(async function () {
        this.timeout(300000);
        resources = await everyComponent();
    });

    it("the rename table is the one reviewed here", () => {
        assert.deepEqual({ ...FORMER_TYPES }, RENAMED);
    });

    it("no component type repeats its folder, and none registers under a former token", () => {
        const types = [...new Set(resources.filter((r) => !r.custom && r.type.startsWith("dbplace:")).map((r) => r.type))].sort();
        for (const type of types) {
            const [, folder, name] = type.split(":");
            assert.ok(!name.toLowerCase().startsWith(folder.toLowerCase()), `${type} repeats its folder "${folder}"`);
            assert.ok(!Object.values(RENAMED).includes(type), `${type} is a former token`);
        }
    });

    for (const [current, former] of Object.entries(RENAMED)) {
        it(`${current} carries an alias to ${former}`, () => {
            const registered = resources.filter((r) => r.type === current);
            assert.ok(registered.length > 0, `no example registers ${current}`);
            for (const r of registered) {
                assert.ok(
                    // The same name and parent: the SDK spells the current parent out.
                    (r.aliasSpecs ?? []).some((a) => a.type === former && a.name === undefined && (a.parentUrn ?? r.parentUrn) === r.parentUrn && !a.noParent),
                    `${r.type} ${r.name}: expected an alias { type: "${former}" }, got ${JSON.stringify(r.aliasSpecs)}`,
                );
            }
        });
    }

    it("keeps the first GCP database's former per-database network under the former tokens of it and its owner", async () => {
        const run = await runProgram({ stack: "test", config: { ...GCP, placement: "vm" } });
        const network = run.resources.find((r) => r.type === "dbplace:gcp:Network" && r.name === "network")!;
        const owner = run.resources.find((r) => r.type === "dbplace:gcp:VmDatabase")!;
        const formerOwner = owner.urn.replace("dbplace:gcp:VmDatabase", "dbplace:gcp:GcpVmDatabase");
        assert.ok(
            network.aliasSpecs?.some((a) => a.name === "app-network" && a.type === "dbplace:gcp:GcpNetwork" && a.parentUrn === formerOwner),
            JSON.stringify(network.aliasSpecs),
        );
        // The subnet's former URN: under the former network, under the former owner.
        const subnet = run.resources.find((r) => r.parentUrn === network.urn && r.type === "gcp:compute/subnetwork:Subnetwork")!;
        assert.ok(
            subnet.aliasSpecs?.some((a) => a.parentUrn?.includes("dbplace:gcp:GcpVmDatabase$dbplace:gcp:GcpNetwork::app-network")),
            JSON.stringify(subnet.aliasSpecs),
        );
    });

    it("formerUrn rewrites each renamed token of a qualified type and nothing else", () => {
        const urn =
            "urn:pulumi:dev::dbplace::dbplace:index:Database$dbplace:docker:Database$dbplace:docker:StreamingReplicas$docker:index/container:Container::app-streaming-0";
        assert.equal(
            formerUrn(urn),
            "urn:pulumi:dev::dbplace::dbplace:index:Database$dbplace:docker:DockerDatabase$dbplace:docker:DockerStreamingReplicas$docker:index/container:Container::app-streaming-0",
        );
        assert.equal(formerUrn("urn:pulumi:dev::dbplace::dbplace:tls:DatabaseTls::app-tls"), "urn:pulumi:dev::dbplace::dbplace:tls:DatabaseTls::app-tls");
    });
});
