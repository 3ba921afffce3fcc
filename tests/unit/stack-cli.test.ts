import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { deployNeeds } from "../../lib/deploy/needs";
import { connectLines, describeContract } from "../../lib/deploy/contract-text";
import { overlay } from "../../lib/deploy/overlay";
import { registryHost } from "../../components/replicas/bake-image";
import { loadStackConfig, PROJECT_ROOT } from "../../lib/stacks";

/**
 * `npm run up|down|outputs` before anything is touched: bad input is one sentence and a non-zero exit,
 * decided from the stack's config alone (no dockerd, toolchain or state is consulted).
 */
describe("npm run up / down / outputs: bad input fails first, in one sentence", function () {
    this.timeout(60_000);
    let o: ReturnType<typeof overlay>;
    before(() => {
        o = overlay("dbplace-stack-cli-", []);
        fs.writeFileSync(path.join(o.project, "stacks", "Pulumi.bad.yaml"),
            "config:\n  dbplace:cloud: local\n  dbplace:placement: dockr\n");
    });
    after(() => fs.rmSync(o.work, { recursive: true, force: true }));

    // A PATH with node but no docker or pulumi: reaching for either would fail differently.
    const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(PROJECT_ROOT, "node_modules/ts-node/dist/bin.js"), "-T", path.join(PROJECT_ROOT, "scripts/stack.ts"), ...args], {
        cwd: o.project, encoding: "utf8",
        env: { PATH: path.dirname(process.execPath), HOME: o.work, DBPLACE_PROJECT_DIR: o.project, PULUMI_BACKEND_URL: o.backend },
    });

    const cases: [string, string[], RegExp][] = [
        ["an unknown stack names the known ones", ["up", "nosuch"], /^stack\.ts: unknown stack "nosuch": no stacks\/Pulumi\.nosuch\.yaml; example stacks: bad\.$/m],
        ["a bad value names the key, the value and the allowed values", ["up", "bad"], /dbplace:placement.*"dockr".*docker/],
        ["down checks the config too", ["down", "bad"], /dbplace:placement/],
        ["a key is only for outputs", ["up", "bad", "app.connectionSecret"], /^usage:/m],
    ];
    for (const [title, args, message] of cases) {
        it(title, () => {
            const r = cli(...args);
            assert.notEqual(r.status, 0, r.stdout);
            assert.match(r.stderr, message);
            assert.doesNotMatch(r.stderr, /\n\s+at /, "a sentence, not a stack trace");
        });
    }
});

describe("npm run up: what a stack needs, from its validated config", () => {
    it("the dev stack needs dockerd, the two local images and the docker and random providers", () => {
        const needs = deployNeeds("dev", loadStackConfig("dev"), "dbplace");
        assert.equal(needs.docker, true);
        assert.deepEqual(needs.localImages, { base: ["dbplace/postgres:15"], exporter: ["dbplace/postgres-exporter:0.17.1"] });
        assert.deepEqual(needs.plugins, ["pulumi-resource-random", "pulumi-resource-docker"]);
    });

    it("the cluster stack bakes in the cluster: it needs the ambient cluster and the kubernetes provider, no dockerd or local registry", () => {
        const needs = deployNeeds("cluster", loadStackConfig("cluster"), "dbplace");
        assert.equal(needs.docker, false);
        assert.equal(needs.localRegistryPort, undefined);
        assert.equal(needs.ambientCluster, true);
        assert.ok(needs.plugins.includes("pulumi-resource-kubernetes"));
    });

    it("a cluster stack with an image and an explicit kubeconfig needs neither dockerd, a registry nor the ambient cluster", () => {
        const needs = deployNeeds("c", { "dbplace:cloud": "local", "dbplace:placement": "cluster", "dbplace:cluster": { kubeconfig: "/k" },
            "dbplace:replicas": { kind: "baked", image: "registry.example.com/app-baked:1" } }, "dbplace");
        assert.deepEqual([needs.docker, needs.localRegistryPort, needs.ambientCluster], [false, undefined, false]);
    });

    it("prints the contract without secrets and lines that fetch them when they run", () => {
        const c = { host: "127.0.0.1", port: 32768, readHost: "127.0.0.1", readPort: 32771, database: "app", username: "dbadmin", engine: "postgres", placement: "docker",
            connectionSecret: "postgresql://dbadmin:s3cret@127.0.0.1:32768/app", readConnectionSecret: "postgresql://dbplace_reader:r3ad@127.0.0.1:32771/app" };
        const text = [describeContract("app", c), ...connectLines("dev", "app", c, "/home/u/.cache/dbplace/ca/dev-app.crt")].join("\n");
        assert.doesNotMatch(text, /s3cret|r3ad/);
        assert.match(text, /connect PGSSLROOTCERT=\/home\/u\/\.cache\/dbplace\/ca\/dev-app\.crt psql "\$\(npm run -s outputs -- dev app\.connectionSecret\)"/);
        assert.match(text, /replica PGSSLROOTCERT=\S+ psql "\$\(npm run -s outputs -- dev app\.readConnectionSecret\)"/);
        const noReplicas = connectLines("dev", "app", { ...c, readConnectionSecret: c.connectionSecret, readPort: c.port });
        assert.equal(noReplicas.length, 1, "no replica line when reads go to the master");
        // MySQL's string asks for ssl-mode=VERIFY_IDENTITY: the line hands mysqlsh the CA.
        const my = connectLines("dev", "app", { ...c, engine: "mysql" }, "/home/u/.cache/dbplace/ca/dev-app.crt");
        assert.match(my[0], /connect mysqlsh --sql --ssl-ca=\/home\/u\/\.cache\/dbplace\/ca\/dev-app\.crt "\$\(npm run -s outputs -- dev app\.connectionSecret\)"/);
    });
});

describe("baked image pushes: which registry an image reference names", () => {
    const cases: [string, string][] = [
        ["127.0.0.1:5000/dbplace/app-baked", "127.0.0.1:5000"],
        ["localhost/app", "localhost"],
        ["registry.example.com/team/app-baked", "registry.example.com"],
        ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/dbplace/app", "123456789012.dkr.ecr.eu-west-1.amazonaws.com"],
        ["team/app-baked", "docker.io"],
        ["app-baked", "docker.io"],
    ];
    for (const [repository, host] of cases) it(`${repository} → ${host}`, () => assert.equal(registryHost(repository), host));
});
