import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { bakedReplicaSidecar, withBakedReplicaSidecar } from "../../components/cluster";
import { resolveStack } from "../../components/config";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { checkRun } from "../../policy/offline";
import { bakedReplicaMaxStaleness } from "../../policy/policies";
import { one } from "../helpers/resources";
import { runAws } from "./aws-harness";

/**
 * Every carrier of baked replicas declares `replicas.maxStalenessMinutes` where the policy pack reads it
 * (docker label, Kubernetes annotation, sidecar env, EC2 launch template tag, GCE instance template
 * label) — and declares nothing when the stack promised nothing, so the pack still reports that.
 */
const IMAGE = "registry.example.com/app-baked:seed";
const baked = (maxStalenessMinutes?: number) => ({ kind: "baked", count: 2, image: IMAGE, ...(maxStalenessMinutes === undefined ? {} : { maxStalenessMinutes }) });
const stalenessViolations = (run: MockRun) => checkRun(run, { policies: [bakedReplicaMaxStaleness] }).map((v) => v.resource);

const carriers: [string, (minutes?: number) => Promise<MockRun>, string, string, (inputs: any) => unknown][] = [
    ["docker", (m) => runProgram({ stack: "test", config: { cloud: "local", placement: "docker", engineVersion: "15", deletionProtection: false, replicas: baked(m) } }),
        "docker:index/container:Container", "app-baked-0",
        (i) => i.labels.find((l: { label: string }) => l.label === "dbplace.io/max-staleness-minutes")?.value],
    ["cluster Deployment", (m) => runProgram({ stack: "test", config: { cloud: "local", placement: "cluster", replicas: baked(m) } }),
        "kubernetes:apps/v1:Deployment", "app-baked-deploy",
        (i) => i.metadata.annotations?.["dbplace.io/max-staleness-minutes"]],
    ["aws Auto Scaling group", (m) => runAws({ placement: "managed", deletionProtection: false, replicas: baked(m) }),
        "aws:ec2/launchTemplate:LaunchTemplate", "app-baked-group-template",
        (i) => i.tags["dbplace:max-staleness-minutes"]],
    ["gcp instance group", (m) => runProgram({ stack: "test", config: { "gcp:project": "acme-test", "gcp:region": "europe-west1", cloud: "gcp", placement: "managed", deletionProtection: false, network: { allowedCidrs: ["10.40.0.0/16"] }, replicas: baked(m) } }),
        "gcp:compute/instanceTemplate:InstanceTemplate", "app-baked-template",
        (i) => i.labels["dbplace-max-staleness-minutes"]],
];

describe("baked replicas declare their maximum staleness to the policy pack", function () {
    this.timeout(120_000);
    for (const [title, run, type, name, declared] of carriers) {
        it(`${title}: ${name} carries replicas.maxStalenessMinutes, and the pack accepts it`, async () => {
            const result = await run(90);
            assert.equal(declared(one(result, type, name).inputs), "90");
            assert.deepEqual(stalenessViolations(result), []);
        });

        it(`${title}: nothing is declared when the stack set no maxStalenessMinutes, and the pack says so`, async () => {
            const result = await run(undefined);
            assert.equal(declared(one(result, type, name).inputs), undefined);
            assert.ok(stalenessViolations(result).includes(name), `expected a staleness violation on ${name}`);
        });
    }

    it("cluster: the pod template carries the annotation too", async () => {
        const result = await runProgram({ stack: "test", config: { cloud: "local", placement: "cluster", replicas: baked(45) } });
        const deploy = one(result, "kubernetes:apps/v1:Deployment", "app-baked-deploy").inputs;
        assert.deepEqual(deploy.spec.template.metadata.annotations, { "dbplace.io/max-staleness-minutes": "45" });
    });

    it("aws: the tag sits on the template, not in a version, so a new promise does not roll the replicas", async () => {
        const template = one(await runAws({ placement: "managed", deletionProtection: false, replicas: baked(90) }), "aws:ec2/launchTemplate:LaunchTemplate", "app-baked-group-template").inputs;
        for (const spec of template.tagSpecifications) assert.equal(spec.tags["dbplace:max-staleness-minutes"], undefined, spec.resourceType);
    });

    it("sidecar: the container states its role and staleness in its env", () => {
        const [spec] = resolveStack({ cloud: "local", placement: "cluster", replicas: { ...baked(120), mode: "sidecar" } }).databases;
        assert.deepEqual(bakedReplicaSidecar({ spec, image: IMAGE }).env, [
            { name: "DBPLACE_ROLE", value: "baked-replica" },
            { name: "DBPLACE_MAX_STALENESS_MINUTES", value: "120" },
            { name: "DBPLACE_LISTEN", value: "loopback" },
        ]);
        const [unbounded] = resolveStack({ cloud: "local", placement: "cluster", replicas: { ...baked(), mode: "sidecar" } }).databases;
        assert.deepEqual(bakedReplicaSidecar({ spec: unbounded, image: IMAGE }).env, [{ name: "DBPLACE_ROLE", value: "baked-replica" }, { name: "DBPLACE_LISTEN", value: "loopback" }]);
    });

    it("sidecar: an application's Deployment carrying the replica passes the pack with no dbplace label of its own", async () => {
        const app = (minutes?: number) => {
            const [spec] = resolveStack({ cloud: "local", placement: "cluster", replicas: { ...baked(minutes), mode: "sidecar" } }).databases;
            return runProgram({
                stack: "test", config: {},
                program: async () => {
                    new k8s.apps.v1.Deployment("shop", { spec: { selector: { matchLabels: { app: "shop" } }, template: { metadata: { labels: { app: "shop" } }, spec: withBakedReplicaSidecar({ containers: [{ name: "shop", image: "shop:1" }] }, { spec, image: IMAGE }) } } });
                    return {};
                },
            });
        };
        assert.deepEqual(stalenessViolations(await app(30)), []);
        assert.deepEqual(stalenessViolations(await app(undefined)), ["shop"]);
    });
});
