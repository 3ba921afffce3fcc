import * as assert from "node:assert/strict";
import { GCP_NAME_RULES, NameKind, derivedNames, gcpNameProblems, nameProblem, scopedId } from "../../components/config/gcp-names";
import { resolveStack } from "../../components/config";
import { gcpNamingInput } from "../../components/config/validate";
import { runProgram } from "../../lib/mock-runner";
import { rejected } from "../helpers/config";

const ambient = { config: { "gcp:project": "acme-test", "gcp:region": "europe-west1" }, env: {} };

describe("gcp name rules (config/gcp-names.ts)", () => {
    const cases: [NameKind, string, RegExp | undefined][] = [
        ["compute", "orders-primary-a1b2c3d", undefined],
        ["compute", "a".repeat(63), undefined],
        ["compute", "a".repeat(64), /is 64 characters; Compute Engine resource names are 1-63/],
        ["compute", "1orders", /is not lower-case letters, digits and hyphens, starting with a letter/],
        ["compute", "orders-", /not ending with a hyphen/],
        ["compute", "Orders", /is not lower-case/],
        ["networkTag", "orders-db-abc123", undefined],
        ["networkTag", "orders_db", /is not lower-case/],
        ["cloudSqlInstance", "orders-replica-2-a1b2c3d", undefined],
        ["cloudSqlInstance", "o".repeat(98), undefined],
        ["cloudSqlInstance", "o".repeat(99), /is 99 characters; Cloud SQL instance ids are 1-98/],
        ["cloudSqlInstance", "9orders", /starting with a letter/],
        ["gkeCluster", "gke-cluster-a1b2c3d", undefined],
        ["gkeCluster", "g".repeat(40), undefined],
        ["gkeCluster", "g".repeat(41), /is 41 characters; GKE cluster names are 1-40/],
        ["serviceAccount", "orders-vm-abc123", undefined],
        ["serviceAccount", "ab-c1", /is 5 characters; service account ids are 6-30/],
        ["serviceAccount", "s".repeat(31), /is 31 characters; service account ids are 6-30/],
        ["serviceAccount", "orders-vm-", /not ending with a hyphen/],
        ["secret", "Orders_credentials-1", undefined],
        ["secret", "orders.credentials", /is not letters, digits, hyphens and underscores/],
        ["secret", "s".repeat(256), /is 256 characters; Secret Manager secret ids are 1-255/],
        ["dnsZone", "orders-dns-zone-a1b2c3d", undefined],
        ["dnsZone", "orders.zone", /is not lower-case/],
        ["bucket", "orders-dumps-a1b2c3d", undefined],
        ["bucket", "ab", /is 2 characters; Cloud Storage bucket names are 3-63/],
        ["bucket", "google-sync-dumps-a1b2c3d", /starts with "goog", which Cloud Storage reserves/],
        ["bucket", "my-google-dumps-a1b2c3d", /contains "google"/],
        ["bucket", "-orders", /starting and ending with a letter or digit/],
    ];
    for (const [kind, name, expected] of cases) {
        it(`${kind} "${name.length > 40 ? `${name.slice(0, 12)}…(${name.length})` : name}": ${expected ? "refused" : "accepted"}`, () => {
            const problem = nameProblem(kind, name);
            if (expected) assert.match(problem ?? "", expected);
            else assert.equal(problem, undefined);
        });
    }

    it("every rule names the page that documents it", () => {
        for (const [kind, rule] of Object.entries(GCP_NAME_RULES)) assert.match(rule.source, /^https:\/\/cloud\.google\.com\//, kind);
    });

    it("scoped ids fit their limit for any database name the validator admits", () => {
        const longest = "a".repeat(30);
        for (const role of ["vm", "replica", "baker", "gke"]) assert.equal(nameProblem("serviceAccount", scopedId("prod", longest, role, 30)), undefined);
        assert.equal(scopedId("prod", "a", "vm", 30).length >= 6, true);
    });

    it("a stack whose derived bucket name breaks Cloud Storage's rule fails before any resource, naming the key, the name and the rule", () => {
        const message = rejected({ cloud: "gcp", databases: { googlesync: { placement: "vm" } } }, ambient).message;
        assert.match(message, /dbplace:databases\.googlesync: database name "googlesync" on cloud "gcp" placement "vm": the Cloud Storage bucket name derived from it, "googlesync-dumps-x{7}" \(Pulumi's auto-name of "googlesync-dumps"\), starts with "goog", which Cloud Storage reserves \(limit 3-63 characters, .*https:\/\/cloud\.google\.com\/storage\/docs\/buckets#naming\)/);
    });

    it("the same database with an existing gs:// bucket derives no bucket name, and passes", () => {
        const stack = resolveStack({ cloud: "gcp", databases: { googlesync: { placement: "vm", backup: { destination: "gs://acme-dumps/db" } } } }, "dbplace", ambient);
        assert.equal(stack.databases[0].name, "googlesync");
    });

    it("the longest database name the validator admits passes every rule on every GCP placement", () => {
        const name = "a".repeat(29) + "b";
        for (const entry of [{ placement: "vm", replicas: { kind: "streaming", count: 15 } }, { placement: "vm", replicas: { kind: "baked", count: 2, image: "europe-west1-docker.pkg.dev/acme-test/dbplace/x:seed" } },
            { placement: "managed", replicas: { kind: "streaming", count: 9 } }, { placement: "cluster", cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] } }]) {
            const stack = resolveStack({ cloud: "gcp", databases: { [name]: entry } }, "dbplace", ambient);
            assert.deepEqual(gcpNameProblems(gcpNamingInput(stack.databases[0])), [], JSON.stringify(entry));
        }
    });

    it("the derived names are the ones the program sends: every named GCP resource of a stack is among them", async () => {
        const config = {
            ...ambient.config, "dbplace:cloud": "gcp", "dbplace:alertEmail": "ops@example.com",
            "dbplace:network": { allowedCidrs: ["10.40.0.0/16"] },
            "dbplace:databases": {
                ledger: { placement: "vm", replicas: { kind: "streaming", count: 2 } },
                catalog: { placement: "vm", replicas: { kind: "baked", count: 2, image: "europe-west1-docker.pkg.dev/acme-test/dbplace/catalog:seed" } },
                payments: { placement: "managed", replicas: { kind: "streaming", count: 2 } },
                sessions: { placement: "cluster", cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] } },
            },
        };
        const run = await runProgram({ stack: "names", config });
        const stack = resolveStack({ cloud: "gcp", network: config["dbplace:network"], alertEmail: "ops@example.com", databases: config["dbplace:databases"] }, "dbplace", ambient);
        const derived = stack.databases.flatMap((d) => derivedNames(gcpNamingInput(d, "names")));
        const logical = new Set(derived.map((d) => d.logical).filter(Boolean));
        const ids = new Set(derived.filter((d) => !d.logical).map((d) => d.name));
        const named = {
            "gcp:compute/instance:Instance": "compute", "gcp:compute/disk:Disk": "compute", "gcp:compute/address:Address": "compute",
            "gcp:compute/firewall:Firewall": "compute", "gcp:compute/resourcePolicy:ResourcePolicy": "compute",
            "gcp:compute/instanceTemplate:InstanceTemplate": "compute", "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": "compute",
            "gcp:compute/healthCheck:HealthCheck": "compute", "gcp:compute/forwardingRule:ForwardingRule": "compute",
            "gcp:compute/regionBackendService:RegionBackendService": "compute", "gcp:compute/regionAutoscaler:RegionAutoscaler": "compute",
            "gcp:sql/databaseInstance:DatabaseInstance": "cloudSqlInstance", "gcp:dns/managedZone:ManagedZone": "dnsZone", "gcp:storage/bucket:Bucket": "bucket",
            "gcp:container/cluster:Cluster": "gkeCluster",
        } as Record<string, string>;
        const missing: string[] = [];
        for (const r of run.resources.filter((x) => x.custom)) {
            if (named[r.type] && !r.name.startsWith("network-") && !logical.has(r.name)) missing.push(`${r.type} ${r.name}`);
            for (const k of ["accountId", "secretId"]) {
                if (typeof r.inputs[k] === "string" && r.type !== "gcp:secretmanager/secretIamMember:SecretIamMember" && !ids.has(r.inputs[k])) missing.push(`${r.type} ${k}=${r.inputs[k]}`);
            }
            if (r.type === "gcp:compute/instance:Instance" || r.type === "gcp:compute/instanceTemplate:InstanceTemplate") {
                for (const tag of r.inputs.tags ?? []) if (!ids.has(tag)) missing.push(`${r.type} tag ${tag}`);
            }
        }
        assert.deepEqual(missing, [], "resources whose names config/gcp-names.ts does not derive");
    });
});
