import * as assert from "node:assert/strict";
import { resolveStack, tierProblem } from "../../components/config";
import { runProgram } from "../../lib/mock-runner";
import { expectConfigError } from "../helpers/resources";
import { rejected } from "../helpers/config";

const PROVIDER = { "gcp:project": "acme-test", "gcp:region": "europe-west1" };
const ambient = { config: PROVIDER, env: {} };

function problem(raw: Record<string, unknown>, amb: { config?: Record<string, string>; env?: Record<string, string> } = ambient): string {
    return rejected(raw, amb).message;
}

const managed = { cloud: "gcp", placement: "managed" };
const vm = { cloud: "gcp", placement: "vm" };

describe("gcp config validation: every bad input names the key, the value and the allowed values", () => {
    const cases: [string, Record<string, unknown>, RegExp[]][] = [
        ["a db-n1 tier on postgres", { ...managed, gcp: { tier: "db-n1-standard-2" } }, [/dbplace:gcp.tier is "db-n1-standard-2": predefined db-n1 tiers exist for mysql only/, /db-custom-<vCPUs>-<MB>/]],
        ["a tier that is no tier", { ...managed, gcp: { tier: "n2-standard-4" } }, [/dbplace:gcp.tier is "n2-standard-4": it is not a Cloud SQL tier for postgres; allowed forms: db-custom-<vCPUs>-<MB>, db-perf-optimized-N-<vCPUs>, db-f1-micro, db-g1-small\./]],
        ["an odd vCPU count", { ...managed, gcp: { tier: "db-custom-3-7680" } }, [/dbplace:gcp.tier is "db-custom-3-7680": 3 vCPUs is not a custom shape; use 1 or an even number up to 96/]],
        ["too much memory per vCPU", { ...managed, gcp: { tier: "db-custom-2-16384" } }, [/16384 MB for 2 vCPUs is outside 0.9-6.5 GB per vCPU \(2048-13312 MB\)/]],
        ["memory off the 256 MB grid", { ...managed, gcp: { tier: "db-custom-2-4000" } }, [/4000 MB is not a multiple of 256 MB/]],
        ["a custom tier on Enterprise Plus", { ...managed, gcp: { edition: "ENTERPRISE_PLUS" } }, [/dbplace:gcp.edition is "ENTERPRISE_PLUS": custom tiers need gcp.edition ENTERPRISE/]],
        ["a perf-optimized tier on Enterprise", { ...managed, gcp: { tier: "db-perf-optimized-N-4", edition: "ENTERPRISE" } }, [/dbplace:gcp.tier is "db-perf-optimized-N-4": db-perf-optimized tiers need gcp.edition ENTERPRISE_PLUS, not ENTERPRISE/]],
        ["an unknown edition", { ...managed, gcp: { edition: "STANDARD" } }, [/dbplace:gcp.edition is "STANDARD"; allowed values: ENTERPRISE, ENTERPRISE_PLUS/]],
        ["REGIONAL on a shared-core tier", { ...managed, highAvailability: true, gcp: { tier: "db-g1-small" } }, [/dbplace:highAvailability is true with shared-core tier "db-g1-small"/, /no SLA/]],
        ["one backup with PITR on Cloud SQL", { ...managed, backupRetentionDays: 1 }, [/dbplace:backupRetentionDays is 1, but Cloud SQL point-in-time recovery keeps transaction logs for fewer days than it keeps backups/, /allowed values on cloud "gcp" placement "managed": 2-35/]],
        ["a created GKE cluster with no control-plane ranges", { cloud: "gcp", placement: "cluster", cluster: { create: true } }, [/dbplace:cluster.apiAllowedCidrs is missing, but cluster.create on cloud "gcp"/]],
        ["a control-plane range that is the internet", { cloud: "gcp", placement: "cluster", cluster: { create: true, apiAllowedCidrs: ["0.0.0.0/0"] } }, [/dbplace:cluster.apiAllowedCidrs.0 is "0.0.0.0\/0": opening a database port to the whole internet/]],
        ["control-plane ranges without a created cluster", { cloud: "gcp", placement: "cluster", cluster: { context: "x", apiAllowedCidrs: ["10.0.0.0/8"] } }, [/dbplace:cluster.apiAllowedCidrs only applies to cloud "gcp" with cluster.create true/]],
        ["no backups on Cloud SQL", { ...managed, backupRetentionDays: 0 }, [/dbplace:backupRetentionDays is 0, which is out of range on cloud "gcp" placement "managed"/, /allowed values: 1-35/]],
        ["no snapshots on a VM", { ...vm, backupRetentionDays: 0 }, [/dbplace:backupRetentionDays is 0, which is out of range on cloud "gcp" placement "vm" \(a snapshot schedule keeps at least one day/]],
        ["retention above the shared maximum", { ...managed, backupRetentionDays: 36 }, [/dbplace:backupRetentionDays is 36; it must be at most 35/]],
        ["a tier on a VM", { ...vm, gcp: { tier: "db-custom-2-7680" } }, [/dbplace:gcp.tier only applies to placement managed; this database's placement is "vm"/]],
        ["GKE node size without GKE", { cloud: "gcp", placement: "cluster", cluster: { context: "gke-dev" }, gcp: { machineType: "e2-standard-8" } }, [/dbplace:gcp.machineType sizes GKE nodes, which only exist with cluster.create true/]],
        ["the gcp key on another cloud", { cloud: "local", placement: "docker", gcp: { tier: "db-custom-1-3840" } }, [/dbplace:gcp only applies to cloud "gcp"; this stack's cloud is "local"/]],
        ["an S3 dump destination", { ...vm, backup: { destination: "s3://dumps" } }, [/dbplace:backup.destination is "s3:\/\/dumps", but VMs on cloud "gcp" write dumps to Cloud Storage; allowed values: pvc/]],
        ["baked replicas with nothing to run", { ...managed, replicas: { kind: "baked" } }, [/dbplace:replicas.kind is "baked" on placement "managed", but neither replicas.dump nor replicas.image is set/]],
        ["sidecar replicas with no cluster", { ...vm, replicas: { kind: "baked", image: "i", mode: "sidecar" } }, [/dbplace:replicas.mode is "sidecar", but with no cluster configured placement "vm" runs baked replicas on VMs/]],
        ["MySQL HA on a created GKE cluster", { cloud: "gcp", placement: "cluster", engine: "mysql", highAvailability: true, cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] } }, [/dbplace:highAvailability is true, but placement "cluster" builds its standby with postgres streaming replication/]],
        ["a reused network without a subnet for VMs", { ...vm, network: { existingNetworkId: "platform" } }, [/dbplace:network.existingSubnetIds is missing, but network.existingNetworkId is set and placement "vm" puts VMs in it/]],
        ["a reused network without a subnet for baked-replica VMs", { ...managed, network: { existingNetworkId: "platform" }, replicas: { kind: "baked", image: "i" } }, [/placement "managed" puts baked-replica VMs in it/]],
        ["subnets without their network", { ...managed, network: { existingSubnetIds: ["s"] } }, [/dbplace:network.existingSubnetIds is set without network.existingNetworkId/]],
        ["an entry's tier names the entry", { ...managed, databases: { billing: { gcp: { tier: "db-custom-3-7680" } } } }, [/dbplace:databases.billing.gcp.tier is "db-custom-3-7680"/]],
    ];
    for (const [title, raw, patterns] of cases) {
        it(`rejects ${title}`, () => {
            const message = problem(raw);
            for (const p of patterns) assert.match(message, p);
        });
    }

    const providerCases: [string, Record<string, string>, RegExp][] = [
        ["no project", { "gcp:region": "europe-west1" }, /gcp:project is not set, and cloud "gcp" needs it; run `pulumi config set gcp:project <project-id>`/],
        ["no region", { "gcp:project": "acme-test" }, /gcp:region is not set, and cloud "gcp" needs it.*`pulumi config set gcp:region <region>`/],
        ["a zone for a region", { "gcp:project": "acme-test", "gcp:region": "europe-west1-b" }, /gcp:region is "europe-west1-b", which is not a region; use a region such as europe-west1/],
        ["a project number-ish id", { "gcp:project": "Acme_Test", "gcp:region": "europe-west1" }, /gcp:project is "Acme_Test", which is not a project id/],
    ];
    for (const [title, config, pattern] of providerCases) {
        it(`rejects provider config with ${title}`, () => assert.match(problem(managed, { config, env: {} }), pattern));
    }

    it("finds project and region in the environment variables the provider reads", () => {
        const [db] = resolveStack(managed, "dbplace", { config: {}, env: { GOOGLE_CLOUD_PROJECT: "acme-env", CLOUDSDK_COMPUTE_REGION: "us-east1" } }).databases;
        assert.deepEqual([db.gcp?.project, db.gcp?.region], ["acme-env", "us-east1"]);
    });

    it("stops the program before any resource when gcp:project is missing", async () => {
        const saved = Object.fromEntries(["GOOGLE_PROJECT", "GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT"].map((k) => [k, process.env[k]]));
        for (const k of Object.keys(saved)) delete process.env[k];
        try {
            await expectConfigError(() => runProgram({ stack: "test", config: { ...managed, "gcp:region": "europe-west1" } }), /gcp:project is not set/);
        } finally {
            for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
        }
    });

    it("stops the program before any resource on a bad tier in a mixed stack", () =>
        expectConfigError(
            () => runProgram({ stack: "test", config: { ...PROVIDER, cloud: "gcp", placement: "managed", databases: { ok: {}, bad: { gcp: { tier: "db-n1-highmem-4" } } } } }),
            /dbplace:databases.bad.gcp.tier is "db-n1-highmem-4": predefined db-n1 tiers exist for mysql only/,
        ));
});

describe("gcp config resolution", () => {
    it("defaults to the size preset on the Enterprise edition, with PITR capped at 7 days", () => {
        const [db] = resolveStack({ ...managed, size: "medium", backupRetentionDays: 14 }, "dbplace", ambient).databases;
        assert.deepEqual(db.gcp, {
            project: "acme-test",
            region: "europe-west1",
            tier: "db-custom-2-7680",
            edition: "ENTERPRISE",
            machineType: "e2-standard-2",
            replicaMachineType: "e2-standard-2",
            transactionLogRetentionDays: 7,
        });
        // The API refuses log retention equal to the backups kept: one day less, then the edition's cap.
        assert.equal(resolveStack({ ...managed }, "dbplace", ambient).databases[0].gcp?.transactionLogRetentionDays, 6);
        assert.equal(resolveStack({ ...managed, backupRetentionDays: 3 }, "dbplace", ambient).databases[0].gcp?.transactionLogRetentionDays, 2);
    });

    it("infers Enterprise Plus from a perf-optimized tier and keeps the retention less a day as PITR window", () => {
        const [db] = resolveStack({ ...managed, backupRetentionDays: 21, gcp: { tier: "db-perf-optimized-N-8" } }, "dbplace", ambient).databases;
        assert.equal(db.gcp?.edition, "ENTERPRISE_PLUS");
        assert.equal(db.gcp?.transactionLogRetentionDays, 20);
    });

    it("accepts db-n1 tiers for mysql and lets entries override the stack-wide gcp key per field", () => {
        const stack = resolveStack({ ...managed, gcp: { tier: "db-custom-4-15360" }, databases: { a: {}, b: { engine: "mysql", gcp: { tier: "db-n1-standard-4" } } } }, "dbplace", ambient);
        assert.deepEqual(stack.databases.map((d) => d.gcp?.tier), ["db-custom-4-15360", "db-n1-standard-4"]);
    });

    it("lets Cloud SQL reuse a network without naming a subnet (it only peers with the network)", () => {
        const [db] = resolveStack({ ...managed, network: { existingNetworkId: "platform" } }, "dbplace", ambient).databases;
        assert.equal(db.network.existingNetworkId, "platform");
    });

    it("lets baked replicas on VMs or Cloud SQL run without a cluster (a managed instance group)", () => {
        const [db] = resolveStack({ ...vm, replicas: { kind: "baked", image: "europe-west1-docker.pkg.dev/p/r/app:1", maxReplicas: 4 } }, "dbplace", ambient).databases;
        assert.equal(db.replicas.kind, "baked");
        assert.equal(db.cluster.configured, false);
    });

    const tiers: [string, "postgres" | "mysql", "ENTERPRISE" | "ENTERPRISE_PLUS", boolean][] = [
        ["db-custom-1-3840", "postgres", "ENTERPRISE", true],
        ["db-custom-4-26624", "postgres", "ENTERPRISE", true],
        ["db-custom-96-638976", "mysql", "ENTERPRISE", true],
        ["db-custom-1-3584", "postgres", "ENTERPRISE", false],
        ["db-custom-98-638976", "postgres", "ENTERPRISE", false],
        ["db-f1-micro", "mysql", "ENTERPRISE", true],
        ["db-f1-micro", "mysql", "ENTERPRISE_PLUS", false],
        ["db-perf-optimized-N-2", "postgres", "ENTERPRISE_PLUS", true],
        ["db-perf-optimized-N-6", "postgres", "ENTERPRISE_PLUS", false],
        ["db-n1-highmem-8", "mysql", "ENTERPRISE", true],
    ];
    for (const [tier, engine, edition, ok] of tiers) {
        it(`${ok ? "accepts" : "refuses"} ${tier} for ${engine} ${edition}`, () => assert.equal(tierProblem(tier, engine, edition) === undefined, ok, tierProblem(tier, engine, edition)));
    }
});
