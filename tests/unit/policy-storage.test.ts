import * as assert from "node:assert/strict";
import { isProduction } from "../../policy/environment";
import { encryptedAtRest, productionBackupRetention, productionDeletionProtection } from "../../policy/policies";
import { DbplacePolicy } from "../../policy/rules/types";
import { expectCase, FakeResource, PolicyCase, urnFor } from "../../policy/testing";

const OWNED = { parents: ["dbplace:index:Database", "dbplace:aws:AwsVmDatabase"] };
const PROD = { stack: "prod" };

function table(policy: DbplacePolicy, cases: PolicyCase[]): void {
    describe(`policy ${policy.name}`, () => {
        for (const [title, resource, expect] of cases) {
            it(`${expect.length === 0 ? "passes" : "fails"} ${title}`, () => expectCase(policy, resource, expect));
        }
    });
}

describe("policy environment: which stacks are production", () => {
    const cases: [string, Record<string, string>, Record<string, unknown>, boolean][] = [
        ["prod", {}, {}, true],
        ["eu-prod", {}, {}, true],
        ["production", {}, {}, true],
        ["prod.v2", {}, {}, true],
        ["products", {}, {}, false],
        ["dev", {}, {}, false],
        ["staging", { "dbplace:environment": "production" }, {}, true],
        ["prod", { "dbplace:environment": "development" }, {}, false],
        ["live", {}, { productionStackPattern: "^live$" }, true],
        ["prod", {}, { productionStackPattern: "^live$" }, false],
    ];
    for (const [stack, tags, config, expected] of cases) {
        it(`stack "${stack}" with tags ${JSON.stringify(tags)} and config ${JSON.stringify(config)} is ${expected ? "" : "not "}production`, () => {
            const urn = urnFor({ type: "aws:rds/instance:Instance", stack });
            assert.equal(isProduction({ urn, stackTags: new Map(Object.entries(tags)), config }), expected);
        });
    }
});

const rds = (props: Record<string, unknown>, extra: Partial<FakeResource> = {}): FakeResource => ({ type: "aws:rds/instance:Instance", name: "orders", props, ...extra });

table(encryptedAtRest, [
    ["an encrypted RDS instance", rds({ storageEncrypted: true }), []],
    ["an RDS instance without storageEncrypted", rds({}), [/orders: storageEncrypted is not set \(RDS then stores data unencrypted\)/]],
    ["an RDS read replica inheriting encryption", rds({ replicateSourceDb: "orders" }), []],
    ["an RDS replica that turns encryption off", rds({ replicateSourceDb: "orders", storageEncrypted: false }), [/storageEncrypted is false/]],
    ["an unencrypted Aurora cluster", { type: "aws:rds/cluster:Cluster", props: { storageEncrypted: false } }, [/storageEncrypted is false/]],
    ["an encrypted EBS volume", { type: "aws:ebs/volume:Volume", props: { encrypted: true, size: 20 } }, []],
    ["an unencrypted EBS volume", { type: "aws:ebs/volume:Volume", name: "orders-data", props: { size: 20 } }, [/orders-data: encrypted is not set/]],
    ["a database VM with encrypted disks", { type: "aws:ec2/instance:Instance", ...OWNED, props: { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true }] } }, []],
    ["a database VM with an unencrypted data disk", { type: "aws:ec2/instance:Instance", ...OWNED, props: { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf" }] } }, [/ebsBlockDevices\[0\] \(\/dev\/sdf\) is not encrypted/]],
    ["a database VM with an unencrypted root disk", { type: "aws:ec2/instance:Instance", ...OWNED, props: {} }, [/rootBlockDevice.encrypted is not set on a database VM/]],
    ["a Cloud SQL instance (always encrypted by Google)", { type: "gcp:sql/databaseInstance:DatabaseInstance", props: { settings: {} } }, []],
]);

const sql = (props: Record<string, unknown>, extra: Partial<FakeResource> = {}): FakeResource => ({ type: "gcp:sql/databaseInstance:DatabaseInstance", name: "orders", protect: true, ...PROD, props, ...extra });

table(productionDeletionProtection, [
    ["an unprotected RDS instance on a dev stack", rds({ deletionProtection: false }), []],
    ["a protected RDS instance on prod", rds({ deletionProtection: true }, { ...PROD, protect: true }), []],
    ["an RDS instance without deletionProtection on prod", rds({}, { ...PROD, protect: true }), [/orders: deletionProtection is not set \(stack name "prod" matches the production pattern/]],
    ["an RDS instance Pulumi may delete on prod", rds({ deletionProtection: true }, PROD), [/is not protected, so a config change could delete it/]],
    ["an RDS instance on a stack tagged production", rds({ deletionProtection: false }, { stack: "eu-1", protect: true, stackTags: { "dbplace:environment": "production" } }), [/stack "eu-1" is tagged dbplace:environment=production/]],
    ["an RDS read replica on prod (replicas are disposable)", rds({ replicateSourceDb: "orders" }, PROD), []],
    ["a Cloud SQL instance with both guards", sql({ settings: { deletionProtectionEnabled: true } }), []],
    ["a Cloud SQL instance without the API-side guard", sql({ settings: {} }), [/settings.deletionProtectionEnabled is not set, so the instance can be deleted outside Pulumi/]],
    ["a Cloud SQL instance with Pulumi's guard off", sql({ deletionProtection: false, settings: { deletionProtectionEnabled: true } }), [/deletionProtection is false/]],
    ["a protected database PVC on prod", { type: "kubernetes:core/v1:PersistentVolumeClaim", ...OWNED, ...PROD, protect: true, props: {} }, []],
    ["an unprotected database docker volume on prod", { type: "docker:index/volume:Volume", name: "app-data", ...OWNED, ...PROD, props: {} }, [/app-data: docker:index\/volume:Volume is not protected/]],
    ["an unprotected volume outside dbplace on prod", { type: "docker:index/volume:Volume", ...PROD, props: {} }, []],
    ["a database VM without termination protection on prod", { type: "aws:ec2/instance:Instance", ...OWNED, ...PROD, props: {} }, [/disableApiTermination is not set on a database VM/]],
    ["a streaming replica VM on prod (rebuilt from the primary)", { type: "aws:ec2/instance:Instance", ...OWNED, ...PROD, props: { tags: { "dbplace:role": "replica-0" } } }, []],
    ["an HA standby's data disk on prod (it becomes the primary on failover)", { type: "gcp:compute/disk:Disk", name: "ledger-standby-0-data", ...PROD, props: { labels: { "dbplace-database": "ledger", "dbplace-role": "standby" } } }, [/ledger-standby-0-data: gcp:compute\/disk:Disk is not protected/]],
    ["a GCE database VM with deletionProtection on prod", { type: "gcp:compute/instance:Instance", ...OWNED, ...PROD, props: { deletionProtection: true } }, []],
    ["a StatefulSet that deletes its PVCs on prod", { type: "kubernetes:apps/v1:StatefulSet", ...OWNED, ...PROD, props: { spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" } } } }, [/whenDeleted is Delete/]],
]);

table(productionBackupRetention, [
    ["an RDS instance keeping 1 day on a dev stack", rds({ backupRetentionPeriod: 1 }), []],
    ["an RDS instance keeping 7 days on prod", rds({ backupRetentionPeriod: 7 }, PROD), []],
    ["an RDS instance keeping 3 days on prod", rds({ backupRetentionPeriod: 3 }, PROD), [/orders: backupRetentionPeriod is 3, below the 7 days production requires/]],
    ["an RDS instance with no retention on prod", rds({}, PROD), [/backupRetentionPeriod is not set \(RDS then keeps 1 day\)/]],
    ["an RDS instance below a configured minimum of 14", rds({ backupRetentionPeriod: 7 }, { ...PROD, config: { minimumDays: 14 } }), [/below the 14 days/]],
    ["a Cloud SQL instance with default retention (7)", sql({ settings: { backupConfiguration: { enabled: true } } }), []],
    ["a Cloud SQL instance without backups on prod", sql({ settings: {} }), [/backupConfiguration.enabled is not set, so Cloud SQL takes no automated backups/]],
    ["a Cloud SQL instance keeping 3 backups on prod", sql({ settings: { backupConfiguration: { enabled: true, backupRetentionSettings: { retainedBackups: 3 } } } }), [/retainedBackups is 3/]],
    ["a Cloud SQL read replica on prod", sql({ masterInstanceName: "orders", settings: {} }), []],
    ["a self-hosted backup CronJob declaring 14 days", { type: "kubernetes:batch/v1:CronJob", ...OWNED, ...PROD, props: { metadata: { annotations: { "dbplace.io/backup-retention-days": "14" } } } }, []],
    ["a self-hosted backup CronJob declaring 2 days", { type: "kubernetes:batch/v1:CronJob", name: "app-backup", ...OWNED, ...PROD, props: { metadata: { annotations: { "dbplace.io/backup-retention-days": "2" } } } }, [/app-backup: dbplace.io\/backup-retention-days is 2/]],
]);
