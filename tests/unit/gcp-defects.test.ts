import * as assert from "node:assert/strict";
import { cloudSqlLogRetention, gkeMaintenanceProblem, regionalSurge } from "../../components/config/gcp-rules";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { ofType, one } from "../helpers/resources";

/** Defects a real `pulumi up` would hit on GCP, and the API rules behind them, each with a passing and a failing case. */
const PROVIDER = { "gcp:project": "acme-test", "gcp:region": "europe-west1" };
const run = (config: Record<string, unknown>, region = "europe-west1"): Promise<MockRun> =>
    runProgram({ stack: "test", config: { ...PROVIDER, "gcp:region": region, cloud: "gcp", ...config } });
const IMAGE = "europe-west1-docker.pkg.dev/acme-builds/bakes/catalog:20261101";
const CONTROL = ["203.0.113.0/24"];

describe("gcp rules as code (config/gcp-rules.ts)", () => {
    it("Cloud SQL: transaction logs kept fewer days than backups, within the edition's cap", () => {
        assert.deepEqual([7, 3, 2, 40].map((n) => cloudSqlLogRetention(n, "ENTERPRISE")), [6, 2, 1, 7]);
        assert.equal(cloudSqlLogRetention(36, "ENTERPRISE_PLUS"), 35);
        assert.equal(cloudSqlLogRetention(1, "ENTERPRISE"), undefined, "one backup leaves no room for a log window");
    });
    it("regional MIG: a fixed surge is at least the zone count", () => {
        assert.equal(regionalSurge(3, 3), 3);
        assert.equal(regionalSurge(4, 3), 4);
    });
    it("GKE maintenance: 48 h in any 32 days, 4 h at a time", () => {
        assert.equal(gkeMaintenanceProblem({ hours: 4, perWeek: 7 }), undefined);
        assert.match(gkeMaintenanceProblem({ hours: 4, perWeek: 1 })!, /allows 16 h in 32 days; GKE needs at least 48 h/);
        assert.match(gkeMaintenanceProblem({ hours: 2, perWeek: 7 })!, /at least 4 consecutive hours/);
    });
});

describe("gcp defects: what a real deploy would get wrong", () => {
    it("gives the GKE cluster a maintenance window GKE accepts and authorized networks instead of 0.0.0.0/0", async () => {
        const result = await run({ placement: "cluster", cluster: { create: true, apiAllowedCidrs: CONTROL } });
        const c = one(result, "gcp:container/cluster:Cluster", "gke-cluster");
        const w = c.inputs.maintenancePolicy.recurringWindow;
        const hours = (Date.parse(w.endTime) - Date.parse(w.startTime)) / 3_600_000;
        const perWeek = w.recurrence === "FREQ=DAILY" ? 7 : (/BYDAY=([A-Z,]+)/.exec(w.recurrence)?.[1].split(",").length ?? 0);
        assert.equal(gkeMaintenanceProblem({ hours, perWeek }), undefined);
        assert.deepEqual(c.inputs.masterAuthorizedNetworksConfig, {
            cidrBlocks: [{ cidrBlock: "10.20.0.0/20", displayName: "stack network" }, { cidrBlock: "203.0.113.0/24", displayName: "cluster.apiAllowedCidrs" }],
            gcpPublicCidrsAccessEnabled: false,
        });
        assert.ok(c.ignoreChanges.includes("location"), "a changed zone list must not replace the cluster");
    });

    it("surges a regional MIG by its zone count, over a sorted zone list it never re-reads", async () => {
        const result = await run({ placement: "managed", replicas: { kind: "baked", image: IMAGE } }, "us-central1");
        const mig = one(result, "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager", "app-baked-mig");
        assert.deepEqual(mig.inputs.distributionPolicyZones, ["us-central1-a", "us-central1-b", "us-central1-c", "us-central1-f"]);
        assert.equal(mig.inputs.updatePolicy.maxSurgeFixed, 4);
        assert.ok(mig.ignoreChanges.includes("distributionPolicyZones"));
    });

    it("places VMs and disks by sorted zone, and never moves them", async () => {
        const result = await run({ placement: "vm", highAvailability: true }, "us-central1");
        assert.deepEqual(["app-primary", "app-standby-0"].map((n) => one(result, "gcp:compute/instance:Instance", n).inputs.zone), ["us-central1-a", "us-central1-b"]);
        for (const disk of ofType(result, "gcp:compute/disk:Disk")) assert.ok(disk.ignoreChanges.includes("zone"), disk.name);
    });

    it("lets replica VMs pull replicas.image from the repository it names", async () => {
        const result = await run({ placement: "managed", replicas: { kind: "baked", image: IMAGE } });
        const grant = one(result, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "app-baked-registry-image-reader-0").inputs;
        assert.deepEqual([grant.project, grant.location, grant.repository, grant.role], ["acme-builds", "europe-west1", "bakes", "roles/artifactregistry.reader"]);
    });

    it("sets failoverTarget on MySQL read replicas only (PostgreSQL refuses it)", async () => {
        const pg = await run({ placement: "managed", replicas: { kind: "streaming", count: 1 } });
        assert.equal(one(pg, "gcp:sql/databaseInstance:DatabaseInstance", "app-replica-0").inputs.replicaConfiguration, undefined);
        const my = await run({ placement: "managed", engine: "mysql", replicas: { kind: "streaming", count: 1 } });
        assert.deepEqual(one(my, "gcp:sql/databaseInstance:DatabaseInstance", "app-replica-0").inputs.replicaConfiguration, { failoverTarget: false });
    });

    it("alerts on the data disk, not the boot disk", async () => {
        const result = await run({ placement: "vm" });
        const filter: string = one(result, "gcp:monitoring/alertPolicy:AlertPolicy", "app-monitoring-disk").inputs.conditions[0].conditionThreshold.filter;
        const device = /metric\.label\.device = monitoring\.regex\.full_match\("([^"]+)"\)/.exec(filter)?.[1];
        assert.ok(device, filter);
        const re = new RegExp(`^(?:${device})$`);
        assert.deepEqual(["sdb", "nvme0n2", "sda1", "sda15", "nvme0n1p1"].map((d) => re.test(d)), [true, true, false, false, false]);
    });

    it("puts every database of a stack on one network, and the first keeps its former VPC through aliases", async () => {
        const result = await run({ databases: { orders: { placement: "managed" }, ledger: { placement: "vm" }, jobs: { placement: "cluster", cluster: { create: true, apiAllowedCidrs: CONTROL } } } });
        assert.deepEqual(ofType(result, "gcp:compute/network:Network").map((n) => n.name), ["network-vpc"]);
        const vpc = "projects/acme-test/global/networks/network-vpc";
        assert.equal(one(result, "gcp:sql/databaseInstance:DatabaseInstance", "orders-primary").inputs.settings.ipConfiguration.privateNetwork, vpc);
        assert.equal(one(result, "gcp:container/cluster:Cluster", "gke-cluster").inputs.network, vpc);
        assert.ok(one(result, "gcp:compute/routerNat:RouterNat", "network-nat"), "the VM and GKE nodes need egress");
        assert.ok(one(result, "gcp:servicenetworking/connection:Connection", "network-psa"), "Cloud SQL needs Private Service Access");
        const component = one(result, "dbplace:gcp:Network", "network");
        assert.match(component.parentUrn ?? "", /dbplace:gcp:Shared::shared$/, "the stack network belongs to no database");
        assert.ok(component.aliases.some((a) => a.includes("orders-network")), `aliases: ${component.aliases}`);
        assert.ok(one(result, "gcp:compute/network:Network", "network-vpc").aliases.some((a) => a.includes("orders-network-vpc")));
    });

    describe("cluster.create means one GKE cluster per stack, as on AWS", () => {
        const GKE = "gcp:container/cluster:Cluster";
        let result: MockRun;
        before(async () => {
            result = await run({ databases: {
                catalog: { placement: "cluster", cluster: { create: true, apiAllowedCidrs: CONTROL } },
                orders: { placement: "cluster", highAvailability: true, cluster: { create: true, apiAllowedCidrs: ["198.51.100.0/24"] } },
                search: { placement: "managed", cluster: { create: true, apiAllowedCidrs: CONTROL }, replicas: { kind: "baked", count: 2, image: IMAGE } },
            } });
        });

        it("registers one cluster, node pool, node account and provider for three databases", () => {
            assert.deepEqual(ofType(result, GKE).map((c) => c.name), ["gke-cluster"]);
            assert.deepEqual(ofType(result, "gcp:container/nodePool:NodePool").map((c) => c.name), ["gke-nodes"]);
            assert.deepEqual(ofType(result, "gcp:serviceaccount/account:Account").filter((a) => a.name.includes("gke")).map((a) => a.name), ["gke-nodes-sa"]);
            assert.deepEqual(ofType(result, "dbplace:gcp:GkeCluster").map((c) => c.name), ["gke"]);
            assert.match(one(result, "dbplace:gcp:GkeCluster", "gke").parentUrn ?? "", /dbplace:gcp:Shared::shared$/, "the cluster belongs to no database");
            // Every database's Kubernetes objects go through the one provider.
            const providers = new Set(result.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.provider?.split("::")[3]));
            assert.deepEqual([...providers], ["gke-k8s"]);
            // The baked replicas' registry lets the shared nodes pull.
            const reader = one(result, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "search-baked-registry-reader-0").inputs;
            assert.match(reader.member, /^serviceAccount:catalog-gke-[0-9a-f]{6}@/);
        });

        it("sizes it for all its databases: regional when one asks for HA, the API open to every listed range, protected", () => {
            const c = one(result, GKE, "gke-cluster");
            assert.equal(c.inputs.location, "europe-west1");
            assert.deepEqual(c.inputs.masterAuthorizedNetworksConfig.cidrBlocks.map((b: { cidrBlock: string }) => b.cidrBlock), ["10.20.0.0/20", ...CONTROL, "198.51.100.0/24"]);
            assert.deepEqual([c.inputs.deletionProtection, c.protect], [true, true]);
            assert.equal(c.inputs.resourceLabels["dbplace-database"], "shared");
        });

        it("keeps the first database's former cluster in place through aliases (names its node account after it)", () => {
            const component = one(result, "dbplace:gcp:GkeCluster", "gke");
            assert.ok(component.aliases.some((a) => /(^|::)catalog-gke$/.test(a)), `aliases: ${component.aliases}`);
            for (const [child, former] of [["gke-cluster", "catalog-gke-cluster"], ["gke-nodes", "catalog-gke-nodes"], ["gke-nodes-sa", "catalog-gke-nodes-sa"], ["gke-k8s", "catalog-gke-k8s"]]) {
                const r = result.resources.find((x) => x.name === child)!;
                assert.ok(r.aliases.some((a) => a === former || a.endsWith(`::${former}`)), `${child} aliases: ${r.aliases}`);
            }
            assert.match(one(result, "gcp:serviceaccount/account:Account", "gke-nodes-sa").inputs.accountId, /^catalog-gke-[0-9a-f]{6}$/, "the id it had: a new one would replace the node pool");
        });
    });
});
