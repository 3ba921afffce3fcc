import * as assert from "node:assert/strict";
import { hashNumber } from "../../lib/mocks/state";
import * as pulumi from "@pulumi/pulumi";
import { MockRun } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";
import { alarms, assertNoWorldIngress, built, names, runAws } from "./aws-harness";

const RDS = "aws:rds/instance:Instance";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const RECORD = "aws:route53/record:Record";
const GIB = 1024 ** 3;
const managed = { placement: "managed" };

/** What the RandomId mock returns for a logical name (lib/mocks/local.ts). */
const mockHex = (name: string): string => hashNumber(name, 2 ** 32).toString(16).padStart(8, "0").slice(0, 8);

describe("aws/managed placement (RDS)", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[] | undefined>][] = [
        ["defaults", {}, {
            "dbplace:aws:ManagedDatabase": ["app"],
            [RDS]: ["app-primary"],
            "aws:rds/subnetGroup:SubnetGroup": ["app-subnets"],
            "aws:rds/parameterGroup:ParameterGroup": ["app-params"],
            "aws:kms/key:Key": ["app-key"],
            "aws:ec2/securityGroup:SecurityGroup": ["app-db", "app-db-clients"],
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["app-db-from-clients"],
            "aws:iam/role:Role": ["app-monitoring"],
            "random:index/randomPassword:RandomPassword": ["app-password"],
            "aws:sns/topic:Topic": ["app-alerts-topic"],
            [ALARM]: ["app-primary-connections", "app-primary-cpu", "app-primary-free-storage", "app-primary-freeable-memory"],
            // No replicas: no private zone, no Secrets Manager, no email.
            "aws:route53/zone:Zone": undefined,
            "aws:secretsmanager/secret:Secret": undefined,
            "aws:sns/topicSubscription:TopicSubscription": undefined,
            // RDS needs no egress: no NAT, no internet gateway, no endpoints.
            "aws:ec2/natGateway:NatGateway": undefined,
            "aws:ec2/internetGateway:InternetGateway": undefined,
            "aws:ec2/vpcEndpoint:VpcEndpoint": undefined,
        }],
        ["streaming replicas", { replicas: { kind: "streaming", count: 3 } }, {
            [RDS]: ["app-primary", "app-replica-0", "app-replica-1", "app-replica-2"],
            "aws:route53/zone:Zone": ["app-zone"],
            [RECORD]: ["app-ro-0", "app-ro-1", "app-ro-2"],
        }],
        ["an alert email", { alertEmail: "oncall@example.com" }, {
            "aws:sns/topicSubscription:TopicSubscription": ["app-alerts-email"],
        }],
        ["a Secrets Manager master password", { aws: { masterPassword: "secretsManager" } }, {
            "random:index/randomPassword:RandomPassword": undefined,
        }],
        ["client ranges and groups", { network: { allowedCidrs: ["10.20.0.0/16"], allowedSecurityGroupIds: ["sg-0123456789abcdef0"] } }, {
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ["app-db-from-10-20-0-0-16", "app-db-from-clients", "app-db-from-sg-0123456789abcdef0"],
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await runAws({ ...managed, ...extra }));
            for (const [type, list] of Object.entries(expected)) assert.deepEqual(got[type], list, type);
        });
    }

    describe("the primary", () => {
        let run: MockRun;
        before(async () => {
            run = await runAws({ ...managed, backupRetentionDays: 14, backup: { schedule: "30 1 * * *" } });
        });

        it("is private, encrypted with the database's key, on autoscaling gp3", () => {
            const db = one(run, RDS, "app-primary").inputs;
            const key = one(run, "aws:kms/key:Key", "app-key");
            assert.equal(db.publiclyAccessible, false);
            assert.equal(db.storageEncrypted, true);
            assert.match(db.kmsKeyId, /^arn:aws:kms:eu-west-1:123456789012:key\//);
            assert.equal(db.performanceInsightsKmsKeyId, db.kmsKeyId);
            assert.deepEqual([db.storageType, db.allocatedStorage, db.maxAllocatedStorage, db.instanceClass], ["gp3", 20, 100, "db.t4g.small"]);
            assert.deepEqual(db.vpcSecurityGroupIds, [`app-db-id`]);
            assert.equal(db.dbSubnetGroupName, "app-subnets");
            assert.equal(key.inputs.enableKeyRotation, true);
            assert.ok(key.protect, "deleting the key would make every snapshot unreadable");
        });

        it("is backed up in a window from backup.schedule, protected, and snapshotted on delete", () => {
            const r = one(run, RDS, "app-primary");
            assert.deepEqual(
                [r.inputs.backupRetentionPeriod, r.inputs.backupWindow, r.inputs.maintenanceWindow, r.inputs.deletionProtection, r.inputs.skipFinalSnapshot, r.inputs.finalSnapshotIdentifier, r.inputs.deleteAutomatedBackups, r.inputs.copyTagsToSnapshot],
                [14, "01:30-02:00", "sun:04:00-sun:05:00", true, false, `dbplace-aws-test-app-final-${mockHex("app-final-snapshot")}`, false, true],
            );
            // Paid Extended Support is never a silent default; the setting is create-time only so old instances are not replaced.
            assert.equal(r.inputs.engineLifecycleSupport, "open-source-rds-extended-support-disabled");
            assert.ok(r.ignoreChanges.includes("engineLifecycleSupport"));
            assert.ok(r.protect && r.retainOnDelete, "Pulumi must refuse to delete the primary");
            assert.ok(one(run, "random:index/randomPassword:RandomPassword", "app-password").protect);
        });

        it("has Performance Insights, enhanced monitoring, log exports, IAM auth, TLS required", () => {
            const db = one(run, RDS, "app-primary").inputs;
            assert.deepEqual([db.performanceInsightsEnabled, db.performanceInsightsRetentionPeriod, db.monitoringInterval, db.iamDatabaseAuthenticationEnabled], [true, 7, 60, true]);
            assert.equal(db.monitoringRoleArn, "arn:aws:iam::123456789012:role/app-monitoring");
            assert.deepEqual(db.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
            assert.equal(db.multiAz, false);
            const params = one(run, "aws:rds/parameterGroup:ParameterGroup", "app-params").inputs;
            assert.equal(params.family, "postgres17");
            assert.deepEqual(params.parameters.find((p: { name: string }) => p.name === "rds.force_ssl")?.value, "1");
            assert.deepEqual(params.parameters.find((p: { name: string }) => p.name === "max_connections")?.value, "200");
            const trust = JSON.parse(one(run, "aws:iam/role:Role", "app-monitoring").inputs.assumeRolePolicy);
            assert.equal(trust.Statement[0].Principal.Service, "monitoring.rds.amazonaws.com");
        });

        it("keeps the password a secret in inputs and in the contract", async () => {
            assert.deepEqual(one(run, RDS, "app-primary").secretPaths, ["password"]);
            assert.equal(await pulumi.isSecret(built.app.implementation.connectionSecret), true);
            assert.equal(await pulumi.isSecret(built.app.implementation.readConnectionSecret), true);
        });

        it("admits the engine port only from its client group; the group has no egress beyond the database", () => {
            assertNoWorldIngress(run);
            const rules = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
            assert.deepEqual(rules.map((r) => [r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId]), [["app-db-id", 5432, 5432, "app-db-clients-id"]]);
            const egress = ofType(run, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule");
            assert.deepEqual(egress.map((r) => [r.inputs.securityGroupId, r.inputs.referencedSecurityGroupId, r.inputs.fromPort]), [["app-db-clients-id", "app-db-id", 5432]]);
        });

        it("alarms on CPU, storage, memory and connections into the encrypted topic", () => {
            const set = alarms(run, "app-primary");
            const summary = Object.fromEntries(Object.entries(set).map(([k, a]) => [k, [a.inputs.metricName, a.inputs.comparisonOperator, a.inputs.threshold]]));
            assert.deepEqual(summary, {
                connections: ["DatabaseConnections", "GreaterThanThreshold", 160],
                cpu: ["CPUUtilization", "GreaterThanThreshold", 80],
                "free-storage": ["FreeStorageSpace", "LessThanThreshold", 2 * GIB],
                "freeable-memory": ["FreeableMemory", "LessThanThreshold", 0.2 * GIB],
            });
            for (const a of Object.values(set)) {
                assert.deepEqual(a.inputs.dimensions, { DBInstanceIdentifier: "app-primary" });
                assert.deepEqual(a.inputs.alarmActions, ["arn:aws:sns:eu-west-1:123456789012:app-alerts-topic"]);
                assert.deepEqual(a.inputs.okActions, a.inputs.alarmActions);
            }
            assert.match(one(run, "aws:sns/topic:Topic", "app-alerts-topic").inputs.kmsMasterKeyId, /:key\//);
        });

        it("exports the contract: RDS endpoint, TLS in the URI, reads on the primary", () => {
            const c = run.outputs.databases.app;
            const address = "app-primary.c";
            assert.ok(c.host.startsWith(address) && c.host.endsWith(".eu-west-1.rds.amazonaws.com"), c.host);
            assert.deepEqual([c.port, c.readHost, c.readPort, c.database, c.username, c.placement, c.engine], [5432, c.host, 5432, "app", "dbadmin", "managed", "postgres"]);
            assert.match(c.connectionSecret, new RegExp(`^postgresql://dbadmin:[A-Za-z0-9]{32}@${c.host.replace(/\./g, "\\.")}:5432/app\\?sslmode=require$`));
            assert.equal(c.readConnectionSecret, c.connectionSecret);
        });
    });

    it("puts HA on Multi-AZ, and turning protection off really allows deletion", async () => {
        const run = await runAws({ ...managed, highAvailability: true, deletionProtection: false });
        const r = one(run, RDS, "app-primary");
        assert.equal(r.inputs.multiAz, true);
        // Unprotected is the one path on which RDS really deletes, so it is the one that must leave a final snapshot.
        assert.deepEqual([r.protect, r.inputs.deletionProtection, r.inputs.skipFinalSnapshot, r.inputs.deleteAutomatedBackups], [false, false, false, true]);
        assert.equal(r.inputs.finalSnapshotIdentifier, `dbplace-aws-test-app-final-${mockHex("app-final-snapshot")}`);
        assert.equal(one(run, "aws:kms/key:Key", "app-key").protect, false);
    });

    it("sizes MySQL by its own preset and parameters", async () => {
        const run = await runAws({ ...managed, engine: "mysql", size: "medium" });
        const db = one(run, RDS, "app-primary").inputs;
        assert.deepEqual([db.engine, db.engineVersion, db.instanceClass, db.allocatedStorage, db.maxAllocatedStorage], ["mysql", "8.4", "db.m7g.large", 100, 500]);
        assert.deepEqual(db.enabledCloudwatchLogsExports, ["error", "slowquery"]);
        const params = one(run, "aws:rds/parameterGroup:ParameterGroup", "app-params").inputs;
        assert.equal(params.family, "mysql8.4");
        assert.ok(params.parameters.some((p: { name: string; value: string }) => p.name === "require_secure_transport" && p.value === "1"));
        assert.match(run.outputs.databases.app.connectionSecret, /^mysql:\/\/dbadmin:.*:3306\/app\?ssl-mode=REQUIRED$/);
        assert.equal(alarms(run, "app-primary").connections.inputs.threshold, 640);
    });

    it("lets RDS keep the master password in Secrets Manager and still exports a working URI", async () => {
        const run = await runAws({ ...managed, aws: { masterPassword: "secretsManager" } });
        const r = one(run, RDS, "app-primary");
        assert.equal(r.inputs.manageMasterUserPassword, true);
        assert.equal(r.inputs.password, undefined);
        assert.equal(r.inputs.masterUserSecretKmsKeyId, r.inputs.kmsKeyId);
        // The mock secret holds managed<hex>; the URI must carry exactly that password.
        assert.match(run.outputs.databases.app.connectionSecret, /^postgresql:\/\/dbadmin:managed[0-9a-f]{16}@app-primary\./);
        assert.equal(await pulumi.isSecret(built.app.implementation.connectionSecret), true);
    });

    describe("streaming replicas", () => {
        let run: MockRun;
        before(async () => {
            run = await runAws({ ...managed, replicas: { kind: "streaming", count: 3 } });
        });

        it("replicate the primary in the same subnet group and security group, spread over the zones", () => {
            const replicas = [0, 1, 2].map((i) => one(run, RDS, `app-replica-${i}`));
            for (const r of replicas) {
                assert.equal(r.inputs.replicateSourceDb, "arn:aws:rds:eu-west-1:123456789012:db:app-primary");
                assert.deepEqual([r.inputs.dbSubnetGroupName, r.inputs.vpcSecurityGroupIds, r.inputs.publiclyAccessible, r.inputs.storageEncrypted], ["app-subnets", ["app-db-id"], false, true]);
                // Rebuildable: no backups, no final snapshot, and scaling the count down is allowed.
                assert.deepEqual([r.inputs.backupRetentionPeriod, r.inputs.skipFinalSnapshot, r.inputs.deletionProtection, r.protect], [0, true, false, false]);
                assert.equal(r.inputs.username, undefined);
                assert.equal(r.inputs.password, undefined);
            }
            assert.deepEqual(replicas.map((r) => r.inputs.availabilityZone), ["eu-west-1a", "eu-west-1b", "eu-west-1a"]);
        });

        it("are reached through one weighted private name, with lag alarms each", () => {
            const zone = one(run, "aws:route53/zone:Zone", "app-zone").inputs;
            assert.equal(zone.name, "app.aws-test.dbplace.internal");
            assert.deepEqual(zone.vpcs, [{ vpcId: "network-vpc-id" }]);
            const records = [0, 1, 2].map((i) => one(run, RECORD, `app-ro-${i}`).inputs);
            assert.deepEqual(records.map((r) => [r.name, r.type, r.setIdentifier, r.weightedRoutingPolicies]), [0, 1, 2].map((i) => ["ro.app.aws-test.dbplace.internal", "CNAME", `${i}`, [{ weight: 1 }]]));
            assert.ok(records[1].records[0].startsWith("app-replica-1."));
            for (const i of [0, 1, 2]) {
                const lag = one(run, ALARM, `app-replica-${i}-replica-lag`).inputs;
                assert.deepEqual([lag.metricName, lag.threshold, lag.dimensions], ["ReplicaLag", 300, { DBInstanceIdentifier: `app-replica-${i}` }]);
            }
            assert.deepEqual(names(run, ALARM, "app-primary"), ["app-primary-connections", "app-primary-cpu", "app-primary-free-storage", "app-primary-freeable-memory"]);
            const c = run.outputs.databases.app;
            assert.equal(c.readHost, "ro.app.aws-test.dbplace.internal");
            assert.match(c.readConnectionSecret, /@ro\.app\.aws-test\.dbplace\.internal:5432\/app\?sslmode=require$/);
        });
    });
});
