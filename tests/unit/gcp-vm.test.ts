import * as assert from "node:assert/strict";
import { MockRun, RecordedResource, runProgram } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";

const INSTANCE = "gcp:compute/instance:Instance";
const FIREWALL = "gcp:compute/firewall:Firewall";
const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const PROVIDER = { "gcp:project": "acme-test", "gcp:region": "europe-west1" };
const base = { ...PROVIDER, cloud: "gcp", placement: "vm", network: { allowedCidrs: ["10.40.0.0/16"] } };
const run = (config: Record<string, unknown>): Promise<MockRun> => runProgram({ stack: "test", config: { ...base, ...config } });
const script = (r: RecordedResource): string => r.inputs.metadata["startup-script"];

describe("gcp/vm placement (Compute Engine)", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[] | undefined>][] = [
        ["a single primary", {}, {
            [INSTANCE]: ["app-primary"],
            "gcp:compute/disk:Disk": ["app-primary-data"],
            "gcp:compute/address:Address": ["app-primary-ip"],
            "gcp:compute/resourcePolicy:ResourcePolicy": ["app-snapshots"],
            "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment": ["app-primary-data-snapshots"],
            "gcp:storage/bucket:Bucket": ["app-dumps"],
            "gcp:storage/bucketIAMMember:BucketIAMMember": ["app-dumps-writer"],
            "gcp:secretmanager/secret:Secret": ["app-credentials"],
            "gcp:secretmanager/secretIamMember:SecretIamMember": ["app-credentials-reader"],
            "gcp:serviceaccount/account:Account": ["app-sa"],
            "gcp:projects/iAMMember:IAMMember": ["app-sa-logging-logwriter", "app-sa-monitoring-metricwriter"],
            [FIREWALL]: ["app-fw-clients", "app-fw-iap-ssh"],
            "gcp:compute/routerNat:RouterNat": ["network-nat"],
            "gcp:servicenetworking/connection:Connection": undefined,
            [POLICY]: ["app-monitoring-connections", "app-monitoring-cpu", "app-monitoring-disk", "app-monitoring-memory", "app-monitoring-uptime"],
        }],
        ["high availability", { highAvailability: true }, {
            [INSTANCE]: ["app-primary", "app-standby-0"],
            "gcp:compute/disk:Disk": ["app-primary-data", "app-standby-0-data"],
            "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment": ["app-primary-data-snapshots"],
            "gcp:dns/managedZone:ManagedZone": undefined,
            [POLICY]: ["app-monitoring-connections", "app-monitoring-cpu", "app-monitoring-disk", "app-monitoring-memory", "app-monitoring-replication-lag", "app-monitoring-uptime"],
        }],
        ["streaming replicas", { replicas: { kind: "streaming", count: 3 } }, {
            [INSTANCE]: ["app-primary", "app-standby-0", "app-standby-1", "app-standby-2"],
            "gcp:dns/recordSet:RecordSet": ["app-dns-ro"],
        }],
        ["an existing network and bucket", { network: { existingNetworkId: "platform", existingSubnetIds: ["platform-euw1"], allowedTags: ["app"] }, backup: { destination: "gs://acme-dumps/db" } }, {
            "gcp:compute/network:Network": undefined,
            "gcp:compute/routerNat:RouterNat": undefined,
            "gcp:storage/bucket:Bucket": undefined,
            "gcp:storage/bucketIAMMember:BucketIAMMember": ["app-dumps-writer"],
        }],
        ["no allowed clients", { network: {} }, {
            [FIREWALL]: ["app-fw-iap-ssh"],
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await run(extra));
            for (const [type, names] of Object.entries(expected)) assert.deepEqual(got[type], names, type);
        });
    }

    it("keeps every VM private: no external IP, OS Login, shielded boot, its own service account", async () => {
        const result = await run({ replicas: { kind: "streaming", count: 2 } });
        for (const vm of ofType(result, INSTANCE)) {
            for (const nic of vm.inputs.networkInterfaces) assert.equal(nic.accessConfigs, undefined, `${vm.name} must have no external IP`);
            assert.equal(vm.inputs.metadata["enable-oslogin"], "TRUE");
            assert.equal(vm.inputs.shieldedInstanceConfig.enableSecureBoot, true);
            assert.match(vm.inputs.serviceAccount.email, /^app-vm-[0-9a-f]{6}@acme-test\.iam\.gserviceaccount\.com$/);
            assert.ok(vm.dependsOn.includes("app-credentials-reader"), "the VM reads its secret at boot: the grant must exist first");
            assert.ok(vm.dependsOn.includes("app-credentials-v"), "the VM reads its secret at boot: the value must exist first");
            assert.deepEqual(vm.ignoreChanges, ["bootDisk.initializeParams.image", "zone"]);
            assert.match(vm.inputs.bootDisk.initializeParams.image, /projects\/debian-cloud\/global\/images\/debian-12-/);
        }
        const zones = ofType(result, INSTANCE).map((v) => v.inputs.zone);
        assert.deepEqual(zones, ["europe-west1-b", "europe-west1-c", "europe-west1-d"], "standbys go to the other zones");
    });

    it("admits the engine port only from the configured clients, SSH only from IAP, never the internet", async () => {
        const result = await run({ highAvailability: true, network: { allowedCidrs: ["10.40.0.0/16"], allowedTags: ["app"] } });
        const tag = one(result, INSTANCE, "app-primary").inputs.tags[0];
        const clients = one(result, FIREWALL, "app-fw-clients").inputs;
        assert.deepEqual(clients.allows, [{ protocol: "tcp", ports: ["5432"] }]);
        assert.deepEqual(clients.sourceRanges, ["10.40.0.0/16"]);
        assert.deepEqual(clients.sourceTags, ["app", tag], "clients by tag, and the standby replicating from the primary");
        assert.deepEqual(clients.targetTags, [tag]);
        const ssh = one(result, FIREWALL, "app-fw-iap-ssh").inputs;
        assert.deepEqual([ssh.allows, ssh.sourceRanges, ssh.targetTags], [[{ protocol: "tcp", ports: ["22"] }], ["35.235.240.0/20"], [tag]]);
        for (const fw of ofType(result, FIREWALL)) {
            assert.ok(!(fw.inputs.sourceRanges ?? []).some((r: string) => r === "0.0.0.0/0" || r === "::/0"), `${fw.name} is open to the internet`);
        }
    });

    it("protects every data disk and snapshots the primary's for the retention (a standby's disk is the data after a failover)", async () => {
        const result = await run({ highAvailability: true, backupRetentionDays: 14, backup: { schedule: "30 1 * * *" } });
        const disk = one(result, "gcp:compute/disk:Disk", "app-primary-data");
        assert.deepEqual([disk.protect, disk.retainOnDelete, disk.inputs.type, disk.inputs.size], [true, true, "pd-ssd", 20]);
        const standby = one(result, "gcp:compute/disk:Disk", "app-standby-0-data");
        assert.deepEqual([standby.protect, standby.retainOnDelete], [true, true]);
        const schedule = one(result, "gcp:compute/resourcePolicy:ResourcePolicy", "app-snapshots").inputs.snapshotSchedulePolicy;
        assert.equal(schedule.retentionPolicy.maxRetentionDays, 14);
        assert.equal(schedule.retentionPolicy.onSourceDiskDelete, "KEEP_AUTO_SNAPSHOTS");
        assert.equal(schedule.schedule.dailySchedule.startTime, "01:00");
        const attachment = one(result, "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment", "app-primary-data-snapshots").inputs;
        assert.deepEqual([attachment.disk, attachment.name], ["app-primary-data", "app-snapshots"]);
        const primary = one(result, INSTANCE, "app-primary").inputs;
        assert.equal(primary.attachedDisks[0].deviceName, "data");
        const unprotected = await run({ highAvailability: true, deletionProtection: false });
        assert.equal(one(unprotected, "gcp:compute/disk:Disk", "app-primary-data").protect, false);
        assert.equal(one(unprotected, "gcp:compute/disk:Disk", "app-standby-0-data").protect, false);
    });

    it("turns on GCE's own deletion guard on every database VM, following deletionProtection", async () => {
        const on = await run({ highAvailability: true });
        assert.deepEqual(ofType(on, INSTANCE).map((i) => [i.name, i.inputs.deletionProtection]).sort(), [["app-primary", true], ["app-standby-0", true]]);
        const off = await run({ highAvailability: true, deletionProtection: false });
        assert.deepEqual(ofType(off, INSTANCE).map((i) => [i.name, i.inputs.deletionProtection]).sort(), [["app-primary", false], ["app-standby-0", false]]);
    });

    it("writes dumps to a private, versioned bucket the VM can add to but not read or delete", async () => {
        const result = await run({ backupRetentionDays: 10 });
        const bucket = one(result, "gcp:storage/bucket:Bucket", "app-dumps");
        assert.deepEqual(
            [bucket.inputs.uniformBucketLevelAccess, bucket.inputs.publicAccessPrevention, bucket.inputs.versioning.enabled, bucket.protect],
            [true, "enforced", true, true],
        );
        assert.equal(bucket.inputs.lifecycleRules[0].condition.age, 10);
        const writer = one(result, "gcp:storage/bucketIAMMember:BucketIAMMember", "app-dumps-writer").inputs;
        assert.deepEqual([writer.bucket, writer.role], ["app-dumps", "roles/storage.objectCreator"]);
        assert.match(writer.member, /^serviceAccount:app-vm-/);
        const reader = one(result, "gcp:secretmanager/secretIamMember:SecretIamMember", "app-credentials-reader").inputs;
        assert.equal(reader.role, "roles/secretmanager.secretAccessor");
        assert.deepEqual(ofType(result, "gcp:projects/iAMMember:IAMMember").map((m) => m.inputs.role).sort(), ["roles/logging.logWriter", "roles/monitoring.metricWriter"]);
    });

    it("keeps passwords in Secret Manager as a secret, never in instance metadata", async () => {
        const result = await run({ highAvailability: true });
        const version = one(result, "gcp:secretmanager/secretVersion:SecretVersion", "app-credentials-v");
        assert.ok(version.secretPaths.includes("secretData"), `secretData must be a secret; secret paths: ${version.secretPaths}`);
        // Secret inputs are recorded in their wire form: { <sig>: <secret marker>, value: <plain> }.
        const data = version.inputs.secretData;
        const passwords = JSON.parse(typeof data === "string" ? data : data.value);
        for (const vm of ofType(result, INSTANCE)) {
            for (const pw of Object.values(passwords) as string[]) assert.ok(!JSON.stringify(vm.inputs).includes(pw), `${vm.name} carries a password`);
            assert.match(script(vm), /gcloud secrets versions access latest --secret="app-credentials-[0-9a-f]{6}"/);
        }
        assert.match(result.outputs.databases.app.connectionSecret, new RegExp(`^postgresql://dbadmin:${passwords.admin}@10\\.20\\.[\\d.]+:5432/app\\?sslmode=require$`));
    });

    it("configures postgres for TLS, the client allow-list, replication, the Ops Agent and the scheduled dump", async () => {
        const result = await run({ engineVersion: "16", highAvailability: true, backup: { schedule: "15 2 * * *" } });
        const primary = script(one(result, INSTANCE, "app-primary"));
        assert.match(primary, /apt-get install -y -q postgresql-16/);
        assert.match(primary, /listen_addresses = 'localhost,\$PRIVATE_IP'/);
        assert.match(primary, /ssl = on/);
        assert.match(primary, /^hostssl all all 10\.40\.0\.0\/16 scram-sha-256$/m);
        assert.match(primary, /^hostssl replication replicator 10\.20\.0\.0\/20 scram-sha-256$/m);
        assert.match(primary, /^host all all all reject$/m);
        assert.doesNotMatch(primary, /^host(ssl)? all all 0\.0\.0\.0\/0 (scram|md5|trust)/m);
        assert.match(primary, /type: postgresql\n/);
        assert.match(primary, /^echo "15 2 \* \* \* root \/usr\/local\/bin\/dbplace-dump 2>&1 \| logger -t dbplace-dump" > \/etc\/cron\.d\/dbplace-dump$/m);
        assert.match(primary, /pg_dump --format=custom --no-owner --dbname=app \| gcloud storage cp - "gs:\/\/app-dumps\/dumps\/app\/\$ts\.dump"/);
        const standby = script(one(result, INSTANCE, "app-standby-0"));
        const primaryIp = one(result, "gcp:compute/address:Address", "app-primary-ip");
        assert.ok(primaryIp, "the primary has a reserved address");
        assert.match(standby, /PRIMARY_IP="10\.20\.[\d.]+"/);
        assert.match(standby, /pg_basebackup -d "host=\$PRIMARY_IP user=replicator sslmode=require"/);
        assert.doesNotMatch(standby, /dbplace-dump/, "only the primary dumps");
    });

    it("configures mysql with TLS required, GTID replication by clone and per-CIDR accounts", async () => {
        const result = await run({ engine: "mysql", engineVersion: "8.4", replicas: { kind: "streaming", count: 1 } });
        const primary = script(one(result, INSTANCE, "app-primary"));
        assert.match(primary, /mysql-8\.4-lts/);
        assert.match(primary, /require_secure_transport = ON/);
        assert.match(primary, /gtid_mode = ON/);
        // address/netmask: both MySQL 8 and MariaDB read it (a /16 suffix is MySQL 8.0.23+ only).
        assert.match(primary, /CREATE USER IF NOT EXISTS 'dbadmin'@'10\.40\.0\.0\/255\.255\.0\.0' IDENTIFIED BY '\$ADMIN_PW' REQUIRE SSL;/);
        assert.doesNotMatch(primary, /'dbadmin'@'%'/);
        assert.match(primary, /type: mysql\n/);
        const standby = script(one(result, INSTANCE, "app-standby-0"));
        assert.match(standby, /CLONE INSTANCE FROM 'replicator'@'\$PRIMARY_IP':3306/);
        assert.match(standby, /super_read_only = ON/);
        const app = result.outputs.databases.app;
        assert.deepEqual([app.port, app.readHost], [3306, "ro.app.test.dbplace.internal"]);
        assert.match(app.readConnectionSecret, /\?ssl-mode=REQUIRED$/);
    });

    it("alerts on uptime, host and engine metrics of the database VMs only", async () => {
        const result = await run({ alertEmail: "oncall@example.com", replicas: { kind: "streaming", count: 1 } });
        const filter = (name: string) => {
            const c = one(result, POLICY, name).inputs.conditions[0];
            return (c.conditionThreshold ?? c.conditionAbsent).filter as string;
        };
        assert.ok(one(result, POLICY, "app-monitoring-uptime").inputs.conditions[0].conditionAbsent, "uptime is an absence condition");
        for (const name of ["app-monitoring-uptime", "app-monitoring-cpu", "app-monitoring-disk", "app-monitoring-connections"]) {
            assert.match(filter(name), /metadata\.user_labels\."dbplace-database" = "app" AND metadata\.user_labels\."dbplace-stack" = "test"/);
        }
        assert.match(filter("app-monitoring-connections"), /workload\.googleapis\.com\/postgresql\.backends/);
        assert.match(filter("app-monitoring-replication-lag"), /postgresql\.replication\.data_delay/);
        assert.match(filter("app-monitoring-disk"), /agent\.googleapis\.com\/disk\/percent_used/);
        assert.equal(ofType(result, "gcp:monitoring/notificationChannel:NotificationChannel").length, 1);
    });
});
