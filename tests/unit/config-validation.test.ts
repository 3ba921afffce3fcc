import * as assert from "node:assert/strict";
import { cronProblem, readRawConfig, resolveStack } from "../../components/config";
import { rejected } from "../helpers/config";

function problem(raw: unknown): string {
    return rejected(raw).message;
}

const base = { cloud: "local", placement: "docker" };

describe("config validation: every bad input names the key, the value and the allowed values", () => {
    const cases: [string, unknown, RegExp[]][] = [
        ["unknown cloud", { cloud: "azure", placement: "docker" }, [/dbplace:cloud is "azure"/, /allowed values: aws, gcp, local/]],
        ["missing cloud", { placement: "docker" }, [/dbplace:cloud is required/]],
        ["unknown placement", { cloud: "local", placement: "kubernetes" }, [/dbplace:placement is "kubernetes"/, /cluster, vm, managed, docker/]],
        ["docker on aws", { cloud: "aws", placement: "docker" }, [/dbplace:placement is "docker", which is not available on cloud "aws"/, /allowed values: cluster, vm, managed/]],
        ["managed on local", { cloud: "local", placement: "managed" }, [/not available on cloud "local"/, /allowed values: docker, cluster/]],
        ["unknown engine", { ...base, engine: "oracle" }, [/dbplace:engine is "oracle"/, /postgres, mysql/]],
        ["unsupported version", { ...base, engineVersion: "9.6" }, [/dbplace:engineVersion is "9.6"/, /13, 14, 15, 16, 17/]],
        ["unknown size", { ...base, size: "huge" }, [/dbplace:size is "huge"/, /small, medium, large/]],
        ["unknown replica kind", { ...base, replicas: { kind: "logical" } }, [/dbplace:replicas.kind is "logical"/, /none, baked, streaming/]],
        ["count above 20", { ...base, replicas: { kind: "streaming", count: 21 } }, [/dbplace:replicas.count is 21; it must be at most 20/]],
        ["negative count", { ...base, replicas: { kind: "streaming", count: -1 } }, [/dbplace:replicas.count is -1; it must be at least 0/]],
        ["count with kind none", { ...base, replicas: { kind: "none", count: 2 } }, [/dbplace:replicas.count is 2, but replicas.kind is "none"/]],
        ["negative retention", { ...base, backupRetentionDays: -1 }, [/dbplace:backupRetentionDays is -1; it must be at least 0/]],
        ["retention above 35", { ...base, backupRetentionDays: 40 }, [/dbplace:backupRetentionDays is 40; it must be at most 35/]],
        ["fractional retention", { ...base, backupRetentionDays: 1.5 }, [/dbplace:backupRetentionDays is 1.5; it must be a whole number/]],
        ["malformed replica cron", { ...base, replicas: { kind: "baked", dump: "x.dump", schedule: "61 * * * *" } }, [/dbplace:replicas.schedule is "61 \* \* \* \*"/, /minute field "61": 61 is outside 0-59/]],
        ["cron with 4 fields", { ...base, backup: { schedule: "0 3 * *" } }, [/dbplace:backup.schedule/, /5 fields/, /has 4/]],
        ["typo in a nested key", { ...base, replicas: { kind: "baked", cuont: 2 } }, [/dbplace:replicas.cuont is not a known key \(did you mean "count"\?\)/, /allowed keys: kind, count/]],
        ["typo at top level", { ...base, placment: "docker" }, [/dbplace:placment is not a known key \(did you mean "placement"\?\)/]],
        ["typo inside a database entry", { cloud: "local", databases: { orders: { placment: "docker" } } }, [/dbplace:databases.orders.placment is not a known key/]],
        ["wrong type", { ...base, highAvailability: "yes" }, [/dbplace:highAvailability is "yes" \(a string\); expected boolean/]],
        ["world-open CIDR", { ...base, network: { allowedCidrs: ["10.0.0.0/8", "0.0.0.0/0"] } }, [/dbplace:network.allowedCidrs.1 is "0.0.0.0\/0": opening a database port to the whole internet is not allowed/]],
        ["bad CIDR", { ...base, network: { allowedCidrs: ["10.0.0.0"] } }, [/dbplace:network.allowedCidrs.0 is "10.0.0.0": not a CIDR/]],
        ["HA on docker", { ...base, highAvailability: true }, [/dbplace:highAvailability is true, but placement "docker"/]],
        // aws and gcp run baked replicas on VMs when no cluster is configured; they still need something to bake.
        ["baked with nothing to bake", { cloud: "aws", placement: "managed", replicas: { kind: "baked" } }, [/dbplace:replicas.kind is "baked" on placement "managed", but neither replicas.dump nor replicas.image is set/]],
        // MySQL bakes with docker build on the local engine only.
        ["baked mysql on cluster", { cloud: "local", placement: "cluster", engine: "mysql", engineVersion: "8.4", replicas: { kind: "baked", image: "i" } },
            [/dbplace:replicas.kind is "baked", but engine "mysql" is baked on placement docker only, not "cluster" \(placement "cluster" bakes engine postgres\); allowed values of replicas.kind for engine "mysql" here: none\./]],
        ["baked mysql on aws vm", { cloud: "aws", placement: "vm", engine: "mysql", engineVersion: "8.0", replicas: { kind: "baked", dump: "x" } },
            [/dbplace:replicas.kind is "baked", but engine "mysql" is baked on placement docker only, not "vm"/, /allowed values of replicas.kind for engine "mysql" here: none, streaming\./]],
        ["streaming mysql in docker", { ...base, engine: "mysql", replicas: { kind: "streaming" } }, [/streams postgres only/]],
        ["dump and image", { ...base, replicas: { kind: "baked", dump: "a", image: "b" } }, [/dbplace:replicas.image and replicas.dump are both set/]],
        ["staleness on streaming", { ...base, replicas: { kind: "streaming", maxStalenessMinutes: 5 } }, [/dbplace:replicas.maxStalenessMinutes only applies when replicas.kind is baked/]],
        ["HPA below count", { cloud: "local", placement: "cluster", replicas: { kind: "baked", image: "i", count: 4, maxReplicas: 2 } }, [/dbplace:replicas.maxReplicas is 2, below replicas.count 4/]],
        // cluster: nodes pull baked images from a registry, and the standby of HA is postgres streaming replication.
        ["cluster dump without repository", { cloud: "local", placement: "cluster", replicas: { kind: "baked", dump: "x.dump" } }, [/dbplace:replicas.repository is required with replicas.dump when replicas run on Kubernetes/]],
        ["repository with an image", { cloud: "local", placement: "cluster", replicas: { kind: "baked", image: "i", repository: "r.example.com/a" } }, [/dbplace:replicas.repository is set with replicas.image/]],
        ["repository without dump off the cluster", { cloud: "local", placement: "docker", replicas: { kind: "baked", repository: "r.example.com/a" } }, [/dbplace:replicas.repository only applies to replicas running on Kubernetes/]],
        ["repository with a tag", { cloud: "local", placement: "cluster", replicas: { kind: "baked", dump: "x.dump", repository: "registry:5000/team/app:v1" } }, [/dbplace:replicas.repository is "registry:5000\/team\/app:v1"; give a repository without a tag/]],
        ["repository on docker", { ...base, replicas: { kind: "baked", dump: "x.dump", repository: "r.example.com/a" } }, [/dbplace:replicas.repository only applies to replicas running on Kubernetes/]],
        ["baked on cluster with nothing to bake", { cloud: "local", placement: "cluster", replicas: { kind: "baked" } }, [/dbplace:replicas.kind is "baked" on placement "cluster", but none of replicas.repository, replicas.image or replicas.dump is set/]],
        ["HA mysql on cluster", { cloud: "local", placement: "cluster", engine: "mysql", highAvailability: true }, [/dbplace:highAvailability is true, but placement "cluster" builds its standby with streaming replication/, /engine "mysql" needs placement managed/]],
        ["object-store destination", { ...base, backup: { destination: "ftp://x" } }, [/dbplace:backup.destination is "ftp:\/\/x"; allowed values: pvc, s3:/]],
        ["create cluster on local", { cloud: "local", placement: "cluster", cluster: { create: true } }, [/dbplace:cluster.create is true, but cloud "local" cannot create a cluster/]],
        ["bad email", { ...base, alertEmail: "oncall" }, [/dbplace:alertEmail is "oncall", which is not an email address/]],
        ["empty databases", { ...base, databases: {} }, [/dbplace:databases is empty/]],
        ["duplicate names after normalisation", { ...base, databases: { Orders: {}, orders: {} } }, [/database names "Orders" and "orders" both normalise to "orders"/]],
        ["invalid name", { ...base, databases: { "9lives": {} } }, [/dbplace:databases.9lives: database name "9lives"/, /starting with a letter/]],
        ["entry error names the entry", { cloud: "local", placement: "docker", databases: { billing: { replicas: { kind: "bakd" } } } }, [/dbplace:databases.billing.replicas.kind is "bakd"/]],
        ["inherited error names the stack key", { cloud: "local", placement: "vm", databases: { billing: {} } }, [/^Invalid configuration: dbplace:placement is "vm"/]],
    ];
    for (const [title, raw, patterns] of cases) {
        it(`rejects ${title}`, () => {
            const message = problem(raw);
            for (const p of patterns) assert.match(message, p);
        });
    }

    it("reports every problem at once, one line each", () => {
        const message = problem({ cloud: "local", databases: { a: { placement: "vm" }, b: { placement: "docker", highAvailability: true } } });
        assert.match(message, /2 problems/);
        assert.match(message, /dbplace:databases.a.placement is "vm"/);
        assert.match(message, /dbplace:databases.b.highAvailability is true/);
    });
});

describe("config resolution", () => {
    it("applies the documented defaults", () => {
        const [db] = resolveStack(base).databases;
        assert.deepEqual(
            { name: db.name, engine: db.engine, version: db.engineVersion, size: db.size, ha: db.highAvailability, retention: db.backupRetentionDays, protect: db.deletionProtection, replicas: db.replicas.kind, image: db.image, ns: db.cluster.namespace },
            { name: "app", engine: "postgres", version: "17", size: "small", ha: false, retention: 7, protect: true, replicas: "none", image: "postgres:17", ns: "db-app" },
        );
    });

    it("accepts baked mysql replicas on docker, with or without a dump", () => {
        for (const replicas of [{ kind: "baked", dump: "app.sql", count: 2 }, { kind: "baked" }, { kind: "baked", image: "dbplace/app-baked:x" }]) {
            const [db] = resolveStack({ cloud: "local", placement: "docker", engine: "mysql", engineVersion: "8.0", image: "dbplace/mariadb:10.11", replicas }).databases;
            assert.equal(db.engine, "mysql");
            assert.equal(db.replicas.kind, "baked");
            assert.equal(db.replicas.dump, (replicas as { dump?: string }).dump);
        }
    });

    it("defaults replica count to 2 and mysql to its newest major", () => {
        const stack = resolveStack({ cloud: "local", placement: "cluster", databases: { a: { replicas: { kind: "streaming" } }, b: { engine: "mysql" } } });
        assert.equal(stack.databases[0].replicas.count, 2);
        assert.equal(stack.databases[1].engineVersion, "8.4");
        assert.equal(stack.databases[1].image, "mysql:8.4");
    });

    it("lets entries override stack-wide keys, merging network/cluster and replacing replicas", () => {
        const stack = resolveStack({
            cloud: "local",
            placement: "cluster",
            network: { allowedNamespaces: ["shop"] },
            cluster: { context: "kind-dev", prometheusOperator: true },
            replicas: { kind: "streaming", count: 3 },
            databases: { "Order Items": { placement: "docker", replicas: { kind: "none" } }, catalog: { cluster: { namespace: "catalog" } } },
        });
        const [orders, catalog] = stack.databases;
        assert.equal(orders.name, "order-items");
        assert.equal(orders.databaseName, "order_items");
        assert.equal(orders.placement, "docker");
        assert.equal(orders.replicas.kind, "none");
        assert.equal(catalog.replicas.count, 3);
        assert.deepEqual(catalog.network.allowedNamespaces, ["shop"]);
        assert.equal(catalog.cluster.context, "kind-dev");
        assert.equal(catalog.cluster.namespace, "catalog");
        assert.equal(catalog.cluster.createNamespace, false);
    });
});

describe("reading Pulumi's string config", () => {
    it("turns JSON objects, booleans and integers back into values and ignores other namespaces", () => {
        const raw = readRawConfig(
            { "dbplace:cloud": "local", "dbplace:replicas": '{"kind":"baked"}', "dbplace:deletionProtection": "false", "dbplace:backupRetentionDays": "3", "aws:region": "eu-west-1" },
            "dbplace",
        );
        assert.deepEqual(raw, { cloud: "local", replicas: { kind: "baked" }, deletionProtection: false, backupRetentionDays: 3 });
    });

    it("names the key when a value cannot be read", () => {
        assert.throws(() => readRawConfig({ "dbplace:deletionProtection": "yes" }, "dbplace"), /dbplace:deletionProtection is "yes"; allowed values: true, false/);
        assert.throws(() => readRawConfig({ "dbplace:backupRetentionDays": "seven" }, "dbplace"), /dbplace:backupRetentionDays is "seven"; it must be a whole number/);
        assert.throws(() => readRawConfig({ "dbplace:replicas": "baked" }, "dbplace"), /dbplace:replicas must be an object/);
    });
});

describe("cron schedules", () => {
    for (const good of ["17 3 * * *", "*/15 * * * *", "0 0-6/2 * JAN-MAR MON,FRI", "@hourly", "0 0 1 * 7"]) {
        it(`accepts ${good}`, () => assert.equal(cronProblem(good), undefined));
    }
    for (const [bad, why] of [["* * * *", /5 fields/], ["0 24 * * *", /hour field "24": 24 is outside 0-23/], ["0 0 * 13 *", /13 is outside 1-12/], ["*/0 * * * *", /bad step/], ["5-1 * * * *", /runs backwards/], ["@often", /unknown macro/]] as const) {
        it(`rejects ${bad}`, () => assert.match(cronProblem(bad) ?? "", why));
    }
});
