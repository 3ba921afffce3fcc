import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { MockRun } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";
import { alarms, assertNoWorldIngress, built, names, runAws } from "./aws-harness";

const EC2 = "aws:ec2/instance:Instance";
const VOLUME = "aws:ebs/volume:Volume";
const ATTACH = "aws:ec2/volumeAttachment:VolumeAttachment";
const vm = { placement: "vm" };
const script = (run: MockRun, node: string): string => String(one(run, EC2, `app-${node}-instance`).inputs.userData);

describe("aws/vm placement (EC2)", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[] | undefined>][] = [
        ["a single primary", {}, {
            "dbplace:aws:VmDatabase": ["app"],
            "dbplace:aws:VmNode": ["app-primary"],
            [EC2]: ["app-primary-instance"],
            [VOLUME]: ["app-primary-data"],
            [ATTACH]: ["app-primary-attach"],
            "aws:dlm/lifecyclePolicy:LifecyclePolicy": ["app-backups-snapshots"],
            "aws:s3/bucket:Bucket": ["app-backups-dumps"],
            "aws:secretsmanager/secret:Secret": ["app-credentials"],
            "aws:iam/instanceProfile:InstanceProfile": ["app-instance"],
            "aws:route53/record:Record": ["app-primary"],
            "random:index/randomPassword:RandomPassword": ["app-password", "app-replication-password"],
            // Packages, SSM and CloudWatch go out through one NAT; dumps through the free S3 endpoint.
            "aws:ec2/natGateway:NatGateway": ["network-nat-0"],
            "aws:ec2/vpcEndpoint:VpcEndpoint": ["network-s3"],
        }],
        ["high availability", { highAvailability: true }, {
            "dbplace:aws:VmNode": ["app-primary", "app-standby-0"],
            [VOLUME]: ["app-primary-data", "app-standby-0-data"],
            "aws:route53/record:Record": ["app-primary"],
            "aws:ec2/natGateway:NatGateway": ["network-nat-0", "network-nat-1"],
        }],
        ["streaming replicas", { replicas: { kind: "streaming", count: 2 } }, {
            [EC2]: ["app-primary-instance", "app-standby-0-instance", "app-standby-1-instance"],
            "aws:route53/record:Record": ["app-primary", "app-ro-0", "app-ro-1"],
        }],
        ["no backups kept", { backupRetentionDays: 0 }, {
            "aws:dlm/lifecyclePolicy:LifecyclePolicy": undefined,
            "aws:s3/bucket:Bucket": ["app-backups-dumps"],
        }],
        ["an existing dump bucket", { backup: { destination: "s3://acme-dumps/prod" } }, {
            "aws:s3/bucket:Bucket": undefined,
            "aws:dlm/lifecyclePolicy:LifecyclePolicy": ["app-backups-snapshots"],
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await runAws({ ...vm, ...extra }));
            for (const [type, list] of Object.entries(expected)) assert.deepEqual(got[type], list, type);
        });
    }

    describe("the primary", () => {
        let run: MockRun;
        before(async () => {
            run = await runAws({ ...vm, backup: { schedule: "5 2 * * *" }, backupRetentionDays: 10, network: { allowedCidrs: ["10.20.0.0/16"], allowedSecurityGroupIds: ["sg-0123456789abcdef0"] } });
        });

        it("is a private instance: no public address, no SSH key, IMDSv2, SSM through its role", () => {
            const i = one(run, EC2, "app-primary-instance");
            assert.equal(i.inputs.associatePublicIpAddress, false);
            assert.equal(i.inputs.keyName, undefined);
            assert.equal(i.inputs.subnetId, "network-private-0-id");
            assert.deepEqual(i.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
            assert.equal(i.inputs.iamInstanceProfile, "app-instance");
            assert.deepEqual([i.inputs.instanceType, i.inputs.ami.startsWith("ami-0da")], ["t4g.small", true], "Graviton preset boots the arm64 Debian image");
            assert.deepEqual(i.ignoreChanges, ["ami"]);
            assert.equal(i.inputs.userDataReplaceOnChange, true);
            assert.equal(i.inputs.rootBlockDevice.encrypted, true);
            const policies = names(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "app-instance");
            assert.deepEqual(policies, ["app-instance-amazonssmmanagedinstancecore", "app-instance-cloudwatchagentserverpolicy"]);
        });

        it("keeps its data on a separate, encrypted, protected volume that survives replacement", () => {
            const v = one(run, VOLUME, "app-primary-data");
            assert.deepEqual([v.inputs.type, v.inputs.size, v.inputs.encrypted, v.inputs.finalSnapshot, v.inputs.availabilityZone], ["gp3", 20, true, true, "eu-west-1a"]);
            assert.match(v.inputs.kmsKeyId, /:key\//);
            assert.equal(v.inputs.tags["dbplace:snapshot"], "aws-test/app");
            assert.ok(v.protect && v.retainOnDelete);
            const a = one(run, ATTACH, "app-primary-attach");
            assert.deepEqual([a.inputs.volumeId, a.inputs.instanceId, a.inputs.stopInstanceBeforeDetaching, a.deleteBeforeReplace], ["app-primary-data-id", "app-primary-instance-id", true, true]);
            assert.equal(one(run, EC2, "app-primary-instance").protect, false, "the instance is disposable; the volume is not");
        });

        it("turns on EC2 termination protection, so no console or CLI terminate takes the engine down", () => {
            assert.equal(one(run, EC2, "app-primary-instance").inputs.disableApiTermination, true);
        });

        it("installs the engine listening privately, TLS only, admitting the VPC and configured ranges only", () => {
            const s = script(run, "primary");
            assert.match(s, /listen_addresses = 'localhost,\$\{PRIVATE_IP\}'/);
            assert.match(s, /^ssl = on$/m);
            assert.match(s, /apt-get install -y -q postgresql-17/);
            const hba = s.slice(s.indexOf("pg_hba.conf <<'EOF'"), s.indexOf("EOF", s.indexOf("pg_hba.conf <<'EOF'") + 20));
            const remote = hba.split("\n").filter((l) => /^host/.test(l));
            assert.ok(remote.every((l) => l.startsWith("hostssl ")), "every network rule requires TLS");
            assert.deepEqual(remote.map((l) => l.split(/\s+/)[3]), ["127.0.0.1/32", "10.20.0.0/16", "10.42.0.0/16", "10.42.0.0/16"]);
            assert.doesNotMatch(s, /0\.0\.0\.0\/0/);
            // Nitro lists EBS volumes by id without the dash (vol-0abc → vol0abc); the mock id is app-primary-data-id.
            assert.match(s, /^DEV=\/dev\/disk\/by-id\/nvme-Amazon_Elastic_Block_Store_appprimary-data-id$/m);
            assert.match(s, /blkid "\$DEV" >\/dev\/null \|\| mkfs\.ext4/, "formats only a blank volume");
        });

        it("never puts a password in user data: it reads them from Secrets Manager with its role", async () => {
            const s = script(run, "primary");
            const uri: string = run.outputs.databases.app.connectionSecret;
            const password = decodeURIComponent(uri.split(":")[2].split("@")[0]);
            assert.ok(!s.includes(password));
            assert.match(s, /aws secretsmanager get-secret-value --region "\$REGION" --secret-id 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:app-credentials-/);
            const version = one(run, "aws:secretsmanager/secretVersion:SecretVersion", "app-credentials");
            assert.deepEqual(version.secretPaths, ["secretString"]);
            const inline = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-instance-inline").inputs.policy);
            assert.deepEqual(inline.Statement.map((s: { Sid: string }) => s.Sid), ["ReadCredentials", "UseDatabaseKey", "WriteDumps"]);
            assert.equal(await pulumi.isSecret(built.app.implementation.connectionSecret), true);
        });

        it("dumps on backup.schedule to a versioned, encrypted, private, TLS-only bucket kept for the retention", () => {
            const s = script(run, "primary");
            assert.match(s, /printf 'CRON_TZ=UTC\\n%s root \/usr\/local\/bin\/dbplace-dump .*' '5 2 \* \* \*'/);
            assert.match(s, /pg_dump --format=custom --no-owner --dbname=app --file="\$OUT"/);
            assert.match(s, /aws s3 cp --region "\$REGION" --sse aws:kms --sse-kms-key-id 'arn:aws:kms:[^']+' "\$OUT" "s3:\/\/app-backups-dumps-[0-9a-f]+\/app\/\$\(basename "\$OUT"\)"/);
            const bucket = one(run, "aws:s3/bucket:Bucket", "app-backups-dumps");
            assert.ok(bucket.protect, "dumps are backups");
            assert.equal(one(run, "aws:s3/bucketVersioning:BucketVersioning", "app-backups-dumps").inputs.versioningConfiguration.status, "Enabled");
            const sse = one(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "app-backups-dumps").inputs.rules[0];
            assert.equal(sse.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
            const block = one(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "app-backups-dumps").inputs;
            assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
            const policy = JSON.parse(one(run, "aws:s3/bucketPolicy:BucketPolicy", "app-backups-dumps").inputs.policy);
            assert.deepEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
            assert.equal(one(run, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "app-backups-dumps").inputs.rules[0].expiration.days, 10);
        });

        it("snapshots the data volumes on the same schedule for the retention", () => {
            const policy = one(run, "aws:dlm/lifecyclePolicy:LifecyclePolicy", "app-backups-snapshots").inputs.policyDetails;
            assert.deepEqual(policy.targetTags, { "dbplace:snapshot": "aws-test/app" });
            assert.deepEqual(policy.schedules[0].createRule, { cronExpression: "cron(5 2 * * ? *)" });
            assert.deepEqual(policy.schedules[0].retainRule, { interval: 10, intervalUnit: "DAYS" });
        });

        it("admits the engine port from client groups, ranges and its own standbys; egress is web only", () => {
            assertNoWorldIngress(run);
            const ingress = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === "app-db-id");
            assert.deepEqual(ingress.map((r) => r.name).sort(), ["app-db-from-10-20-0-0-16", "app-db-from-clients", "app-db-from-peers", "app-db-from-sg-0123456789abcdef0"]);
            assert.ok(ingress.every((r) => r.inputs.fromPort === 5432 && r.inputs.toPort === 5432));
            const egress = ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").filter((r) => r.inputs.securityGroupId === "app-db-id");
            assert.deepEqual(egress.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.referencedSecurityGroupId]).sort(), [[443, "0.0.0.0/0"], [5432, "app-db-id"], [80, "0.0.0.0/0"]]);
        });

        it("alarms on status checks, CPU, data disk, memory and the engine process", () => {
            const set = alarms(run, "app-primary");
            assert.deepEqual(Object.keys(set).sort(), ["cpu", "data-disk", "engine", "memory", "status-check"]);
            assert.deepEqual(set["status-check"].inputs.dimensions, { InstanceId: "app-primary-instance-id" });
            assert.deepEqual(set["data-disk"].inputs.dimensions, { InstanceId: "app-primary-instance-id", path: "/srv/dbplace", fstype: "ext4" });
            assert.deepEqual(set.engine.inputs.dimensions, { InstanceId: "app-primary-instance-id", exe: "postgres", pid_finder: "native" });
            assert.equal(set.engine.inputs.treatMissingData, "breaching");
            // The agent config in the boot script publishes exactly what the alarms watch.
            const s = script(run, "primary");
            assert.match(s, /"resources": \[\s*"\/srv\/dbplace"\s*\]/);
            assert.match(s, /"exe": "postgres"/);
            assert.match(s, /"InstanceId": "\$\{aws:InstanceId\}"/);
        });

        it("exports a stable private name for the primary", () => {
            const c = run.outputs.databases.app;
            assert.deepEqual([c.host, c.port, c.readHost, c.placement], ["primary.app.aws-test.dbplace.internal", 5432, "primary.app.aws-test.dbplace.internal", "vm"]);
            assert.match(c.connectionSecret, /^postgresql:\/\/dbadmin:[A-Za-z0-9]{32}@primary\.app\.aws-test\.dbplace\.internal:5432\/app\?sslmode=require$/);
            const record = one(run, "aws:route53/record:Record", "app-primary").inputs;
            assert.deepEqual([record.type, record.records.length], ["A", 1]);
            assert.match(record.records[0], /^10\.42\./);
        });
    });

    it("protects every database VM from termination only while deletionProtection is on", async () => {
        const guard = (run: MockRun) => ofType(run, EC2).map((i) => [i.name, i.inputs.disableApiTermination]).sort();
        assert.deepEqual(guard(await runAws({ ...vm, highAvailability: true })), [["app-primary-instance", true], ["app-standby-0-instance", true]]);
        assert.deepEqual(guard(await runAws({ ...vm, highAvailability: true, deletionProtection: false })), [["app-primary-instance", false], ["app-standby-0-instance", false]]);
    });

    it("puts the HA standby in the other zone, streaming from the primary's name", async () => {
        const run = await runAws({ ...vm, highAvailability: true });
        const standby = one(run, EC2, "app-standby-0-instance");
        assert.equal(standby.inputs.subnetId, "network-private-1-id");
        assert.equal(one(run, VOLUME, "app-standby-0-data").inputs.availabilityZone, "eu-west-1b");
        const s = script(run, "standby-0");
        assert.match(s, /pg_basebackup -d "host=primary\.app\.aws-test\.dbplace\.internal user=replicator sslmode=require" -D \/var\/lib\/postgresql\/17\/main -R -X stream/);
        assert.doesNotMatch(s, /dbplace-dump/, "only the primary dumps");
        // A failover standby, not a read endpoint: reads stay on the primary.
        assert.equal(run.outputs.databases.app.readHost, "primary.app.aws-test.dbplace.internal");
        assert.deepEqual(Object.keys(alarms(run, "app-standby-0")).sort(), ["cpu", "data-disk", "engine", "memory", "status-check"]);
    });

    it("serves streaming reads from the standbys through a weighted private name", async () => {
        const run = await runAws({ ...vm, replicas: { kind: "streaming", count: 2 } });
        const records = [0, 1].map((i) => one(run, "aws:route53/record:Record", `app-ro-${i}`).inputs);
        assert.deepEqual(records.map((r) => [r.name, r.type, r.setIdentifier]), [["ro.app.aws-test.dbplace.internal", "A", "0"], ["ro.app.aws-test.dbplace.internal", "A", "1"]]);
        assert.equal(run.outputs.databases.app.readHost, "ro.app.aws-test.dbplace.internal");
        assert.deepEqual(["app-standby-0-instance", "app-standby-1-instance"].map((n) => one(run, EC2, n).inputs.subnetId), ["network-private-1-id", "network-private-0-id"]);
    });

    it("installs MySQL 8.0 from Ubuntu with TLS required and users limited to the allowed ranges", async () => {
        const run = await runAws({ ...vm, engine: "mysql", engineVersion: "8.0", size: "medium", network: { allowedCidrs: ["10.20.0.0/16"] } });
        const s = script(run, "primary");
        assert.match(s, /apt-get install -y -q mysql-server-8\.0/);
        assert.match(s, /^bind-address = 127\.0\.0\.1,\$\{PRIVATE_IP\}$/m);
        assert.match(s, /^require_secure_transport = ON$/m);
        assert.match(s, /CREATE USER IF NOT EXISTS 'dbadmin'@'10\.20\.0\.0\/255\.255\.0\.0' IDENTIFIED BY '\$\{PASSWORD\}' REQUIRE SSL;/);
        assert.doesNotMatch(s, /(CREATE|ALTER) USER[^;]*'%'/, "no wildcard host");
        assert.equal(one(run, EC2, "app-primary-instance").inputs.instanceType, "m7g.large");
        assert.equal(alarms(run, "app-primary").engine.inputs.dimensions.exe, "mysqld");
        assert.match(run.outputs.databases.app.connectionSecret, /^mysql:\/\/dbadmin:.*@primary\.app\.aws-test\.dbplace\.internal:3306\/app\?ssl-mode=REQUIRED$/);
    });

    it("writes dumps to an existing bucket under its prefix and may only write there", async () => {
        const run = await runAws({ ...vm, backup: { destination: "s3://acme-dumps/prod" } });
        assert.match(script(run, "primary"), /"s3:\/\/acme-dumps\/prod\/app\/latest\.dump"/);
        const inline = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-instance-inline").inputs.policy);
        assert.equal(inline.Statement.find((s: { Sid: string }) => s.Sid === "WriteDumps").Resource, "arn:aws:s3:::acme-dumps/prod/app/*");
    });
});
