import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { estimateCost } from "../../lib/compare/cost/estimate";
import { formatCost, unpricedItems } from "../../lib/compare/cost/format";
import { CompareError, PlannedResource } from "../../lib/compare/model";
import { loadPrices } from "../../lib/compare/prices";

const res = (type: string, name: string, inputs: Record<string, unknown>): PlannedResource => ({ type, name, urn: `urn:${name}`, custom: true, inputs, secretPaths: [], protect: false });
const prices = loadPrices();
const east = { "aws:region": "us-east-1" };

describe("compare: estimated monthly cost", () => {
    it("prices an RDS instance with Multi-AZ storage from the table", () => {
        const e = estimateCost([res("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.t4g.small", multiAz: true, allocatedStorage: 20, storageType: "gp3" })], prices, east);
        // 2 × 0.032 $/h × 730 h + 2 × 20 GB × 0.115 $/GB-month
        assert.equal(e.known, 51.32);
        assert.deepEqual(e.unpriced, []);
        assert.equal(formatCost(e, "USD"), "$51.32");
    });

    it("shows no total when a database server's compute is unpriced, and never borrows a neighbour's price", () => {
        // db.r7g.xlarge is in the table; the next size up is not, and is not derived from it.
        assert.equal(prices.regions["aws/us-east-1"].hourly["rds:postgres:db.r7g.xlarge"]?.usd, 0.478);
        const e = estimateCost([res("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.r7g.2xlarge", allocatedStorage: 500, storageType: "gp3" })], prices, east);
        assert.deepEqual(e.unpriced.map((u) => [u.item, u.main]), [["rds:postgres:db.r7g.2xlarge in aws/us-east-1", true]]);
        assert.equal(formatCost(e, "USD"), "incomplete: 1 unpriced, no total");
        assert.deepEqual(unpricedItems(e), ["rds:postgres:db.r7g.2xlarge in aws/us-east-1"]);
    });

    it("says incomplete up front, with the priced part, when only a side item is unpriced", () => {
        const e = estimateCost([
            res("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.t4g.small", allocatedStorage: 20, storageType: "gp3" }),
            res("aws:ec2/vpcEndpoint:VpcEndpoint", "ep", {}),
        ], prices, east);
        assert.equal(formatCost(e, "USD"), "incomplete: $25.66 + 1 unpriced");
    });

    it("reads a replica's engine and storage from its source, and says unpriced when no region is set", () => {
        const primary = res("aws:rds/instance:Instance", "db", { engine: "postgres", instanceClass: "db.t4g.small", allocatedStorage: 20, storageType: "gp3" });
        const replica = res("aws:rds/instance:Instance", "db-replica", { instanceClass: "db.t4g.small", replicateSourceDb: "arn:db" });
        assert.equal(estimateCost([primary, replica], prices, east).known, 51.32);
        assert.match(estimateCost([primary], prices, {}).unpriced.map((u) => u.why).join(), /region not set/);
        assert.equal(estimateCost([{ ...primary, inputs: { ...primary.inputs, region: "us-east-1" } }], prices, {}).unpriced.length, 0, "a resource's own region wins");
    });

    it("prices Cloud SQL per vCPU and GB, doubled for REGIONAL", () => {
        const e = estimateCost([res("gcp:sql/databaseInstance:DatabaseInstance", "db", { settings: { tier: "db-custom-1-3840", availabilityType: "REGIONAL", diskSize: 20, diskType: "PD_SSD" } })], prices, { "gcp:region": "us-central1" });
        // 2 × (0.0413 + 3.75 × 0.007) × 730 + 2 × 20 × 0.17
        assert.equal(e.known, 105.42);
    });

    it("treats local containers as free and cluster workloads as unknown capacity", () => {
        assert.equal(formatCost(estimateCost([res("docker:index/container:Container", "c", {})], prices, {}), "USD"), "$0.00");
        const k8s = estimateCost([res("kubernetes:apps/v1:StatefulSet", "db", {}), res("kubernetes:core/v1:Service", "svc", { spec: { type: "ClusterIP" } })], prices, {});
        assert.deepEqual(k8s.clusterCapacity, ["db"]);
        assert.equal(formatCost(k8s, "USD"), "$0.00 + existing cluster capacity");
        const lb = estimateCost([res("kubernetes:core/v1:Service", "svc", { spec: { type: "LoadBalancer" } })], prices, {});
        assert.match(lb.unpriced.map((u) => u.item).join(), /load balancer/);
    });

    it("lists an unpriced cloud resource as unknown and a usage-billed one separately", () => {
        assert.match(estimateCost([res("aws:mq/broker:Broker", "mq", {})], prices, east).unpriced.map((u) => `${u.item}: ${u.why}`).join(), /type aws:mq\/broker:Broker: not in the price table/);
        const e = estimateCost([res("aws:ec2/vpcEndpoint:VpcEndpoint", "ep", {}), res("aws:s3/bucketV2:BucketV2", "b", {})], prices, east);
        assert.match(e.unpriced.map((u) => u.why).join(), /interface endpoints are not in the price table/);
        assert.deepEqual(e.usageBased, ["b"]);
    });
});

describe("compare: the price table", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prices-"));
    const expectExit3 = (file: string, pattern: RegExp) => {
        assert.throws(() => loadPrices(file), (e: unknown) => e instanceof CompareError && e.code === 3 && pattern.test(e.message));
    };

    it("is dated, sourced and labelled an estimate", () => {
        assert.match(prices.label, /ESTIMATE/);
        assert.match(prices.asOf, /^\d{4}-\d{2}/);
        assert.ok(prices.sources.length > 0 && prices.sources.every((s) => s.url.startsWith("https://")));
    });

    it("refuses a missing, malformed or mis-shaped table with exit code 3 and the file name", () => {
        expectExit3(path.join(dir, "nope.json"), /cannot read the price table .*nope.json: no such file/);
        fs.writeFileSync(path.join(dir, "bad.json"), "{ not json");
        expectExit3(path.join(dir, "bad.json"), /bad.json is not valid JSON/);
        fs.writeFileSync(path.join(dir, "shape.json"), JSON.stringify({ ...prices, regions: { "aws/us-east-1": { hourly: { x: { usd: -1, src: "aws-ec2", date: "2025" } }, monthly: {} } } }));
        expectExit3(path.join(dir, "shape.json"), /shape.json cannot be used: regions.aws\/us-east-1.hourly.x/);
    });
});
