import * as assert from "node:assert/strict";
import { createHash, createPrivateKey, X509Certificate } from "node:crypto";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";

const PROVIDER = { "gcp:project": "acme-test", "gcp:region": "europe-west1" };
const run = (config: Record<string, unknown>): Promise<MockRun> => runProgram({ stack: "test", config: { ...PROVIDER, cloud: "gcp", ...config } });
const IMAGE = "europe-west1-docker.pkg.dev/acme-test/dbplace/app-baked:seed";
const MIG = "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager";
const GKE = "gcp:container/cluster:Cluster";

describe("gcp/cluster placement", () => {
    it("creates a private, VPC-native GKE cluster with Workload Identity and deploys onto it through its provider", async () => {
        const result = await run({ placement: "cluster", highAvailability: true, cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] }, gcp: { machineType: "e2-standard-8" } });
        const cluster = one(result, GKE, "gke-cluster");
        const c = cluster.inputs;
        assert.equal(c.location, "europe-west1", "highAvailability makes the cluster regional");
        assert.deepEqual(c.privateClusterConfig, { enablePrivateNodes: true, enablePrivateEndpoint: false });
        assert.equal(c.networkingMode, "VPC_NATIVE");
        assert.deepEqual(c.workloadIdentityConfig, { workloadPool: "acme-test.svc.id.goog" });
        assert.equal(c.enableShieldedNodes, true);
        assert.equal(c.datapathProvider, "ADVANCED_DATAPATH", "NetworkPolicies of the in-cluster placement must be enforced");
        assert.deepEqual([c.deletionProtection, cluster.protect], [true, true]);
        assert.equal(c.network, "projects/acme-test/global/networks/network-vpc");
        const pool = one(result, "gcp:container/nodePool:NodePool", "gke-nodes").inputs;
        assert.equal(pool.nodeConfig.machineType, "e2-standard-8");
        assert.deepEqual(pool.nodeConfig.workloadMetadataConfig, { mode: "GKE_METADATA" });
        assert.match(pool.nodeConfig.serviceAccount, /^app-gke-[0-9a-f]{6}@acme-test\.iam\.gserviceaccount\.com$/);
        // Nodes have no external IPs and pull postgres/exporter images from public registries: NAT is what lets them.
        assert.ok(one(result, "gcp:compute/routerNat:RouterNat", "network-nat"));
        const k8sProvider = one(result, "pulumi:providers:kubernetes", "gke-k8s");
        assert.ok(k8sProvider.secretPaths.includes("kubeconfig"), "the kubeconfig is a secret");
        assert.match(k8sProvider.inputs.kubeconfig.value ?? k8sProvider.inputs.kubeconfig, /command: gke-gcloud-auth-plugin/);
        const inCluster = ofType(result, "kubernetes:apps/v1:StatefulSet");
        assert.ok(inCluster.length > 0, "the in-cluster placement runs");
        for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.match(r.provider ?? "", /::gke-k8s::/, `${r.type} ${r.name} must be deployed through the GKE provider`);
        }
        assert.equal(result.outputs.databases.app.placement, "cluster");
    });

    it("deploys onto the configured kubeconfig without creating any Google Cloud resource", async () => {
        const got = inventory(await run({ placement: "cluster", cluster: { context: "gke_acme_europe-west1_shared" } }));
        assert.deepEqual(Object.keys(got).filter((t) => t.startsWith("gcp:")), []);
        assert.ok(got["kubernetes:apps/v1:StatefulSet"]);
    });
});

describe("gcp baked replicas", () => {
    it("runs them on a regional managed instance group of private Debian 12 VMs behind an internal load balancer", async () => {
        const result = await run({ placement: "managed", network: { allowedCidrs: ["10.40.0.0/16"] }, replicas: { kind: "baked", count: 3, image: IMAGE, maxStalenessMinutes: 90 } });
        const got = inventory(result);
        assert.deepEqual(got[MIG], ["app-baked-mig"]);
        assert.deepEqual(got["gcp:compute/forwardingRule:ForwardingRule"], ["app-baked-ilb"]);
        assert.deepEqual(got["gcp:artifactregistry/repository:Repository"], ["app-baked-registry"]);
        assert.deepEqual(got["gcp:compute/firewall:Firewall"], ["app-baked-fw-clients", "app-baked-fw-health-checks", "app-baked-fw-iap-ssh"]);
        assert.equal(got["gcp:compute/regionAutoscaler:RegionAutoscaler"], undefined);

        const template = one(result, "gcp:compute/instanceTemplate:InstanceTemplate", "app-baked-template").inputs;
        assert.equal(template.networkInterfaces[0].accessConfigs, undefined, "replica VMs have no external IP");
        assert.match(template.disks[0].sourceImage, /projects\/debian-cloud\/global\/images\/debian-12-/, "the database VMs' image, the one the VM tier boots");
        assert.equal(template.metadata["enable-oslogin"], "TRUE");
        assert.equal(template.metadata["user-data"], undefined);
        const script = template.metadata["startup-script"] as string;
        const dockerRun = script.replace(/\\\n\s*/g, "").match(/^docker run [^\n]*/m)![0];
        assert.equal(dockerRun, `docker run -d --name dbplace-replica --restart always --log-driver journald --user root -e DBPLACE_TLS=required -v /etc/dbplace/tls:/etc/dbplace/secrets:ro -p 5432:5432 ${IMAGE}`,
            "TLS required, the certificate the only (read-only) mount: the data is in the image");
        assert.match(script, /docker login -u oauth2accesstoken --password-stdin https:\/\/europe-west1-docker\.pkg\.dev/);
        assert.match(script, /custom\.googleapis\.com\/dbplace\/baked_replica_age_seconds/);
        // Docker's package comes through Cloud NAT.
        assert.ok(one(result, "gcp:compute/routerNat:RouterNat", "network-nat"));

        const mig = one(result, MIG, "app-baked-mig").inputs;
        assert.equal(mig.targetSize, 3);
        assert.deepEqual(mig.distributionPolicyZones, ["europe-west1-b", "europe-west1-c", "europe-west1-d"]);
        assert.deepEqual([mig.updatePolicy.maxUnavailableFixed, mig.updatePolicy.maxSurgeFixed, mig.updatePolicy.minimalAction], [0, 3, "REPLACE"], "a new bake never drops read capacity");
        assert.equal(mig.autoHealingPolicies.healthCheck, "app-baked-health-id");
        const lb = one(result, "gcp:compute/forwardingRule:ForwardingRule", "app-baked-ilb").inputs;
        assert.deepEqual([lb.loadBalancingScheme, lb.ports, lb.allowGlobalAccess], ["INTERNAL", ["5432"], false]);
        const backend = one(result, "gcp:compute/regionBackendService:RegionBackendService", "app-baked-ilb-backend").inputs;
        assert.match(backend.backends[0].group, /instanceGroups\/app-baked-mig$/);

        const health = one(result, "gcp:compute/firewall:Firewall", "app-baked-fw-health-checks").inputs;
        assert.deepEqual(health.sourceRanges, ["35.191.0.0/16", "130.211.0.0/22"]);
        assert.deepEqual(one(result, "gcp:compute/firewall:Firewall", "app-baked-fw-clients").inputs.sourceRanges, ["10.40.0.0/16"]);

        const reader = one(result, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "app-baked-registry-reader-0").inputs;
        assert.equal(reader.role, "roles/artifactregistry.reader");
        assert.match(reader.member, /^serviceAccount:app-replica-[0-9a-f]{6}@/);
        assert.equal(one(result, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "app-baked-registry-baker-writer").inputs.role, "roles/artifactregistry.writer");

        const app = result.outputs.databases.app;
        assert.equal(app.readHost, "ro.app.test.dbplace.internal");
        const record = one(result, "gcp:dns/recordSet:RecordSet", "app-baked-dns-ro").inputs;
        const ilbIp = result.resources.find((r) => r.name === "app-baked-ilb")!;
        assert.deepEqual([record.name, record.type], ["ro.app.test.dbplace.internal.", "A"]);
        assert.equal(record.rrdatas.length, 1);
        assert.match(record.rrdatas[0], /^10\.20\./, `the name points at the load balancer (${ilbIp.name})`);
        assert.match(app.readConnectionSecret, /^postgresql:\/\/dbplace_reader:[^@]+@ro\.app\.test\.dbplace\.internal:5432\/app\?sslmode=verify-full$/);

        const staleness = one(result, "gcp:monitoring/alertPolicy:AlertPolicy", "app-monitoring-staleness");
        assert.equal(staleness.inputs.conditions[0].conditionThreshold.thresholdValue, 90 * 60);
        assert.ok(staleness.inputs.conditions[1].conditionAbsent, "no reports is as bad as stale");
        assert.ok(staleness.dependsOn.includes("app-monitoring-baked-age"), "the metric descriptor exists before the policy");
    });

    describe("TLS on the group's VMs", () => {
        let result: MockRun;
        before(async () => {
            result = await run({ placement: "managed", network: { allowedCidrs: ["10.40.0.0/16"] }, replicas: { kind: "baked", count: 2, image: IMAGE } });
        });
        const script = () => one(result, "gcp:compute/instanceTemplate:InstanceTemplate", "app-baked-template").inputs.metadata["startup-script"] as string;
        const tlsValue = () => JSON.parse(one(result, "gcp:secretmanager/secretVersion:SecretVersion", "app-baked-tls-v").inputs.secretData) as { cert: string; key: string };

        it("issues the certificate for the read name, signed by a CA the contract hands out with Cloud SQL's", () => {
            const app = result.outputs.databases.app;
            const { cert, key } = tlsValue();
            const x509 = new X509Certificate(cert);
            assert.equal(x509.checkHost(app.readHost), app.readHost, x509.subjectAltName);
            assert.ok(x509.checkPrivateKey(createPrivateKey(key)));
            // The bundle: Cloud SQL's server CA (the mock's) and ours, the one that signed the replicas' certificate.
            const cas = (app.caCert as string).split(/(?<=-----END CERTIFICATE-----\n)/).filter((c) => c.includes("BEGIN"));
            assert.ok(cas.some((c) => { try { return x509.verify(new X509Certificate(c).publicKey); } catch { return false; } }), "signed by a CA in caCert");
        });

        it("keeps the key in Secret Manager, readable by the replica VMs' account only, never in metadata", () => {
            const version = one(result, "gcp:secretmanager/secretVersion:SecretVersion", "app-baked-tls-v");
            assert.ok(version.secretPaths.includes("secretData"));
            const secret = one(result, "gcp:secretmanager/secret:Secret", "app-baked-tls").inputs;
            const grant = one(result, "gcp:secretmanager/secretIamMember:SecretIamMember", "app-baked-tls-reader").inputs;
            assert.equal(grant.role, "roles/secretmanager.secretAccessor");
            assert.match(grant.member, /^serviceAccount:app-replica-[0-9a-f]{6}@/);
            assert.ok(script().includes(`gcloud secrets versions access latest --secret="${secret.secretId}"`));
            assert.doesNotMatch(script(), /PRIVATE KEY|BEGIN CERTIFICATE/);
            const mig = one(result, MIG, "app-baked-mig");
            assert.ok(mig.dependsOn.includes("app-baked-tls-v") && mig.dependsOn.includes("app-baked-tls-reader"), "VMs boot after the value and the grant");
        });

        it("issues it for a stack whose name has an underscore (the read name carries it)", async () => {
            const other = await runProgram({ stack: "team_a", config: { ...PROVIDER, cloud: "gcp", placement: "vm", replicas: { kind: "baked", count: 1, image: IMAGE } } });
            const app = other.outputs.databases.app;
            assert.equal(app.readHost, "ro.app.team_a.dbplace.internal");
            const { cert } = JSON.parse(one(other, "gcp:secretmanager/secretVersion:SecretVersion", "app-baked-tls-v").inputs.secretData) as { cert: string };
            assert.match(new X509Certificate(cert).subjectAltName ?? "", /DNS:ro\.app\.team_a\.dbplace\.internal/);
        });

        it("rolls the group, not the image, when the certificate changes", () => {
            const digest = createHash("sha256").update(tlsValue().cert).digest("hex");
            assert.match(script(), new RegExp(`^# Server certificate sha256 ${digest}$`, "m"));
        });
    });

    it("autoscales the group between count and maxReplicas and leaves its size to the autoscaler", async () => {
        const result = await run({ placement: "vm", replicas: { kind: "baked", count: 2, maxReplicas: 6, image: IMAGE } });
        const mig = one(result, MIG, "app-baked-mig");
        assert.equal(mig.inputs.targetSize, undefined);
        assert.deepEqual(mig.ignoreChanges, ["targetSize", "distributionPolicyZones"]);
        const policy = one(result, "gcp:compute/regionAutoscaler:RegionAutoscaler", "app-baked-autoscaler").inputs.autoscalingPolicy;
        assert.deepEqual([policy.minReplicas, policy.maxReplicas], [2, 6]);
        // The VM's dump bucket is the baker's input: it may read it, nothing more.
        const dumps = one(result, "gcp:storage/bucketIAMMember:BucketIAMMember", "app-baked-registry-baker-dumps").inputs;
        assert.deepEqual([dumps.bucket, dumps.role], ["app-dumps", "roles/storage.objectViewer"]);
    });

    it("bakes replicas.dump here and pushes it to the stack's Artifact Registry, pinned by digest", async () => {
        const result = await run({ placement: "managed", replicas: { kind: "baked", count: 1, dump: "stacks/seed/app.dump" } });
        const image = one(result, "docker:index/remoteImage:RemoteImage", "app-baked-image");
        assert.match(image.inputs.name, /^europe-west1-docker\.pkg\.dev\/acme-test\/app-baked-[0-9a-f]{6}\/app-baked:[0-9a-f]{16}$/);
        const provider = one(result, "pulumi:providers:docker", "app-baked-image-registry");
        // Provider config travels as JSON text.
        const login = JSON.parse(provider.inputs.registryAuth)[0];
        assert.deepEqual([login.address, login.username], ["europe-west1-docker.pkg.dev", "oauth2accesstoken"]);
        assert.ok(provider.secretPaths.some((p) => p.startsWith("registryAuth")), "the push token is a secret");
        assert.ok(image.dependsOn.includes("app-baked-registry"));
        assert.ok(one(result, "docker:index/registryImage:RegistryImage", "app-baked-image-push").dependsOn.includes("app-baked-registry"));
        const script = one(result, "gcp:compute/instanceTemplate:InstanceTemplate", "app-baked-template").inputs.metadata["startup-script"] as string;
        assert.match(script, /\/app-baked@sha256:[0-9a-f]{64}/);
    });

    it("runs them on a created GKE cluster when cluster.create is set, pulling from the stack's registry", async () => {
        const result = await run({ placement: "managed", cluster: { create: true, apiAllowedCidrs: ["203.0.113.0/24"] }, replicas: { kind: "baked", count: 2, image: IMAGE } });
        const got = inventory(result);
        assert.equal(got[MIG], undefined);
        assert.deepEqual(got[GKE], ["gke-cluster"]);
        assert.ok(got["kubernetes:apps/v1:Deployment"]?.length, "a Deployment of baked replicas");
        const reader = one(result, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "app-baked-registry-reader-0").inputs;
        assert.match(reader.member, /^serviceAccount:app-gke-/);
        // The exporter next to each replica comes from a public registry: the managed network gets NAT for it.
        assert.ok(one(result, "gcp:compute/routerNat:RouterNat", "network-nat"));
        assert.equal(ofType(result, "gcp:monitoring/alertPolicy:AlertPolicy").filter((p) => p.name.endsWith("staleness")).length, 0, "on Kubernetes the cluster placement alerts on staleness");
    });
});
