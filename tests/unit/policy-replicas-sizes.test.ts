import * as assert from "node:assert/strict";
import { policies } from "../../policy/policies";
import { approvedSizes, APPROVED, millicores } from "../../policy/rules/sizes";
import { bakedReplicaMaxStaleness } from "../../policy/rules/staleness";
import { DbplacePolicy } from "../../policy/rules/types";
import { expectCase, FakeResource, PolicyCase } from "../../policy/testing";

const OWNED = { parents: ["dbplace:index:Database", "dbplace:cluster:Database"] };

function table(policy: DbplacePolicy, cases: PolicyCase[]): void {
    describe(`policy ${policy.name}`, () => {
        for (const [title, resource, expect] of cases) {
            it(`${expect.length === 0 ? "passes" : "fails"} ${title}`, () => expectCase(policy, resource, expect));
        }
    });
}

const deployment = (labels: Record<string, string>, annotations: Record<string, string> = {}, containers: unknown[] = []): FakeResource => ({
    type: "kubernetes:apps/v1:Deployment",
    name: "app-baked",
    ...OWNED,
    props: { metadata: { labels, annotations }, spec: { template: { metadata: { labels, annotations }, spec: { containers } } } },
});
const bakedLabels = { "dbplace.io/database": "app", "dbplace.io/role": "baked-replica" };
const dockerReplica = (labels: { label: string; value: string }[]): FakeResource => ({ type: "docker:index/container:Container", name: "app-baked-0", props: { labels, ports: [{ internal: 5432, ip: "127.0.0.1" }] } });

/** An application Deployment carrying a baked replica container, the way bakedReplicaSidecar builds one. */
function sidecarApp(extra: Record<string, unknown>, native = false): FakeResource {
    const replica = { name: "app-replica", image: "registry/app-baked:1", ports: [{ name: "db", containerPort: 5432 }], readinessProbe: { exec: { command: ["psql", "-c", "SELECT 1 FROM dbplace.bake LIMIT 1"] } }, ...extra };
    const app = { name: "shop", image: "shop:1" };
    return { type: "kubernetes:apps/v1:Deployment", name: "shop", props: { spec: { template: { metadata: { labels: { app: "shop" } }, spec: native ? { initContainers: [{ ...replica, restartPolicy: "Always" }], containers: [app] } : { containers: [app, replica] } } } } };
}

table(bakedReplicaMaxStaleness, [
    ["a baked replica Deployment declaring 420 minutes", deployment(bakedLabels, { "dbplace.io/max-staleness-minutes": "420" }), []],
    ["a baked replica Deployment without a declaration", deployment(bakedLabels), [/app-baked: a baked read replica without dbplace.io\/max-staleness-minutes/]],
    ["a declaration that is not a number", deployment(bakedLabels, { "dbplace.io/max-staleness-minutes": "a day" }), [/is "a day"; it must be a whole number of minutes/]],
    ["a declaration above the organisation's ceiling", { ...deployment(bakedLabels, { "dbplace.io/max-staleness-minutes": "1440" }), config: { maximumMinutes: 720 } }, [/is 1440, above the 720 minutes/]],
    ["an application Deployment with a baked sidecar and its declaration", { type: "kubernetes:apps/v1:Deployment", name: "shop", props: { spec: { template: { metadata: { labels: { app: "shop", "dbplace.io/role": "baked-replica" }, annotations: { "dbplace.io/max-staleness-minutes": "90" } }, spec: {} } } } }, []],
    ["an application Deployment with a baked sidecar and no declaration", { type: "kubernetes:apps/v1:Deployment", name: "shop", props: { spec: { template: { metadata: { labels: { app: "shop", "dbplace.io/role": "baked-replica" } }, spec: {} } } } }, [/shop: a baked read replica without/]],
    ["a Deployment that is not a replica", deployment({ app: "web" }), []],
    ["a cluster baked replica Deployment (app.kubernetes.io/component) without a declaration", deployment({ "app.kubernetes.io/part-of": "dbplace", "app.kubernetes.io/component": "baked-replica" }), [/a baked read replica without/]],
    ["a cluster baked replica Deployment with the annotation", deployment({ "app.kubernetes.io/part-of": "dbplace", "app.kubernetes.io/component": "baked-replica" }, { "dbplace.io/max-staleness-minutes": "60" }), []],
    ["an application pod with a sidecar whose probe queries the bake metadata, no declaration", sidecarApp({}), [/shop: a baked read replica without/]],
    ["an application pod with a native sidecar declaring DBPLACE_MAX_STALENESS_MINUTES", sidecarApp({ env: [{ name: "DBPLACE_MAX_STALENESS_MINUTES", value: "90" }] }, true), []],
    ["an application pod with a sidecar declaring a bad DBPLACE_MAX_STALENESS_MINUTES", sidecarApp({ env: [{ name: "DBPLACE_ROLE", value: "baked-replica" }, { name: "DBPLACE_MAX_STALENESS_MINUTES", value: "0" }] }), [/is "0"; it must be a whole number of minutes, at least 1/]],
    ["a docker baked replica with its label", dockerReplica([{ label: "dbplace.io/role", value: "baked-replica" }, { label: "dbplace.io/max-staleness-minutes", value: "1440" }]), []],
    ["a docker baked replica without the label", dockerReplica([{ label: "dbplace.io/role", value: "baked-replica" }]), [/app-baked-0: a baked read replica without/]],
    ["a docker streaming replica (staleness is replication lag)", dockerReplica([{ label: "dbplace.io/role", value: "streaming-replica" }]), []],
]);

const preset = APPROVED.containers[0];
const engine = (resources: unknown) => [{ name: "postgres", ports: [{ containerPort: 5432 }], resources }, { name: "exporter", ports: [{ containerPort: 9187 }], resources: { requests: { cpu: "10m" } } }];
const statefulSet = (resources: unknown, extra: Partial<FakeResource> = OWNED): FakeResource => ({
    type: "kubernetes:apps/v1:StatefulSet", name: "app", ...extra, props: { spec: { template: { metadata: { labels: { app: "db" } }, spec: { containers: engine(resources) } } } },
});

table(approvedSizes, [
    ["an RDS instance of the small preset", { type: "aws:rds/instance:Instance", props: { instanceClass: "db.t4g.small" } }, []],
    ["an RDS instance of a hand-typed class", { type: "aws:rds/instance:Instance", name: "orders", props: { instanceClass: "db.x2g.16xlarge" } }, [/orders: instanceClass is "db.x2g.16xlarge", which is not a preset size; allowed: db.t4g.small, db.m7g.large, db.r7g.xlarge and db.t4g.medium/]],
    ["an RDS class granted as an exception", { type: "aws:rds/instance:Instance", props: { instanceClass: "db.x2g.16xlarge" }, config: { additionalSizes: ["db.x2g.16xlarge"] } }, []],
    ["a Cloud SQL tier of the large preset", { type: "gcp:sql/databaseInstance:DatabaseInstance", props: { settings: { tier: "db-custom-4-26624" } } }, []],
    ["a Cloud SQL shared-core tier", { type: "gcp:sql/databaseInstance:DatabaseInstance", props: { settings: { tier: "db-f1-micro" } } }, [/settings.tier is "db-f1-micro"/]],
    ["a database EC2 VM of the medium preset", { type: "aws:ec2/instance:Instance", ...OWNED, props: { instanceType: "m7g.large" } }, []],
    ["a database EC2 VM of another type", { type: "aws:ec2/instance:Instance", ...OWNED, props: { instanceType: "c7g.large" } }, [/instanceType is "c7g.large"/]],
    ["an application EC2 VM of any type", { type: "aws:ec2/instance:Instance", props: { instanceType: "c7g.large" } }, []],
    ["a GCE database VM given as a machine type path", { type: "gcp:compute/instance:Instance", ...OWNED, props: { machineType: "zones/europe-west1-b/machineTypes/e2-small" } }, []],
    ["a GCE database VM of another type", { type: "gcp:compute/instance:Instance", ...OWNED, props: { machineType: "n2-standard-64" } }, [/machineType is "n2-standard-64"/]],
    ["a StatefulSet engine container of the small preset", statefulSet({ requests: { cpu: preset.cpuRequest, memory: preset.memoryRequest }, limits: { cpu: preset.cpuLimit, memory: preset.memoryLimit } }), []],
    ["equal quantities spelled differently (1 = 1000m)", statefulSet({ requests: { cpu: "1000m", memory: "2048Mi" }, limits: { cpu: "2", memory: "2Gi" } }), []],
    ["a StatefulSet engine container sized by hand", statefulSet({ requests: { cpu: "3", memory: "5Gi" }, limits: { cpu: "3", memory: "5Gi" } }), [/container "postgres" asks for cpu 3\/3, memory 5Gi\/5Gi, which is not a preset/]],
    ["an engine container without resources", statefulSet(undefined), [/container "postgres" asks for cpu -\/-/]],
    ["a StatefulSet outside dbplace", statefulSet({ requests: { cpu: "3" } }, {}), []],
    ["a docker master with the small preset's memory", { type: "docker:index/container:Container", ...OWNED, props: { memory: 512 } }, []],
    ["a docker master with hand-picked memory", { type: "docker:index/container:Container", ...OWNED, props: { memory: 3000 } }, [/memory is 3000 MiB/]],
]);

describe("policy pack", () => {
    it("has unique names, descriptions and one validation function per policy", () => {
        const names = policies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const p of policies) {
            assert.match(p.name, /^dbplace-[a-z0-9-]+$/);
            assert.ok(p.description.length > 20, `${p.name} needs a description`);
            assert.equal(typeof p.validateResource, "function");
        }
    });

    it("reads the approved sizes from the presets table", () => {
        assert.deepEqual(APPROVED.rds, ["db.t4g.small", "db.m7g.large", "db.r7g.xlarge", "db.t4g.medium"], "the preset rows plus engine overrides (mysql small)");
        assert.equal(APPROVED.containers.length, 3);
        assert.equal(millicores("250m"), 250);
        assert.equal(millicores("1"), 1000);
    });

    it("never reports on a resource of a type no rule knows", () => {
        for (const p of policies) expectCase(p, { type: "random:index/randomPassword:RandomPassword", props: { length: 32 } }, []);
    });
});
