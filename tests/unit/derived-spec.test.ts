import * as assert from "node:assert/strict";
import { resolveStack } from "../../components/config/validate";

const AMBIENT = { config: { "aws:region": "eu-west-1", "gcp:project": "acme-test", "gcp:region": "europe-west1" } };
const IMAGE = "registry.example.com/team/app-baked:1";
const one = (raw: Record<string, unknown>) => resolveStack(raw, "dbplace", AMBIENT).databases[0];

describe("decisions the resolver makes once, for every placement to read", () => {
    const cases: [string, Record<string, unknown>, string][] = [
        ["no replicas", { cloud: "local", placement: "docker" }, "none"],
        ["baked on docker", { cloud: "local", placement: "docker", replicas: { kind: "baked", count: 1 } }, "docker"],
        ["baked on the cluster placement", { cloud: "local", placement: "cluster", replicas: { kind: "baked", image: IMAGE } }, "cluster"],
        ["streaming on the cluster placement", { cloud: "local", placement: "cluster", replicas: { kind: "streaming" } }, "cluster"],
        ["baked on RDS without a cluster", { cloud: "aws", placement: "managed", replicas: { kind: "baked", image: IMAGE } }, "vms"],
        ["baked on RDS with a created EKS", { cloud: "aws", placement: "managed", cluster: { create: true }, replicas: { kind: "baked", image: IMAGE } }, "cluster"],
        ["baked on a GCP VM with a kubeconfig", { cloud: "gcp", placement: "vm", cluster: { context: "ops" }, replicas: { kind: "baked", image: IMAGE } }, "cluster"],
        ["streaming on Cloud SQL", { cloud: "gcp", placement: "managed", replicas: { kind: "streaming" } }, "self"],
    ];
    for (const [title, raw, runsOn] of cases) {
        it(`replicas.runsOn: ${title} → ${runsOn}`, () => assert.equal(one(raw).replicas.runsOn, runsOn));
    }

    it("refuses sidecar mode exactly where replicas would run on VMs", () => {
        assert.throws(() => one({ cloud: "aws", placement: "vm", replicas: { kind: "baked", image: IMAGE, mode: "sidecar" } }), /dbplace:replicas.mode is "sidecar", but with no cluster configured placement "vm" runs baked replicas on VMs/);
        assert.equal(one({ cloud: "aws", placement: "vm", cluster: { kubeconfig: "/k" }, replicas: { kind: "baked", image: IMAGE, mode: "sidecar" } }).replicas.mode, "sidecar");
    });

    it("network.inStackNetwork: every placement but a cluster the stack does not create", () => {
        assert.equal(one({ cloud: "aws", placement: "managed" }).network.inStackNetwork, true);
        assert.equal(one({ cloud: "aws", placement: "cluster", cluster: { context: "ops" } }).network.inStackNetwork, false);
        assert.equal(one({ cloud: "aws", placement: "cluster", cluster: { create: true } }).network.inStackNetwork, true);
    });

    it("network.needsEgress: VMs, created cluster nodes and replica VMs; a managed database alone needs none", () => {
        assert.equal(one({ cloud: "gcp", placement: "managed" }).network.needsEgress, false);
        assert.equal(one({ cloud: "gcp", placement: "vm" }).network.needsEgress, true);
        assert.equal(one({ cloud: "aws", placement: "managed", replicas: { kind: "baked", image: IMAGE } }).network.needsEgress, true);
        assert.equal(one({ cloud: "aws", placement: "managed", cluster: { context: "ops" }, replicas: { kind: "baked", image: IMAGE } }).network.needsEgress, false);
        assert.equal(one({ cloud: "gcp", placement: "cluster", cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] } }).network.needsEgress, true);
    });
});
