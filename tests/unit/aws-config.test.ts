import * as assert from "node:assert/strict";
import { resolveStack } from "../../components/config";
import { awsCron } from "../../components/aws/vm-backups";
import { architectureOf } from "../../components/aws/lookups";
import { finalSnapshotName, parameterFamily, rdsWindows } from "../../components/aws/rds-settings";
import { mysqlHost } from "../../components/aws/vm-cloud-init";
import { MOCK_VPC } from "../../lib/mocks/aws";
import { expectConfigError, ofType } from "../helpers/resources";
import { runAws } from "./aws-harness";
import { rejected } from "../helpers/config";
import { Ambient } from "../../components/config/gcp";

const REGION = { config: { "aws:region": "eu-west-1" } };
const A = "subnet-0a1a1a1a1a1a1a1a1"; // MOCK_VPC, zone a
const B = "subnet-0b2b2b2b2b2b2b2b2"; // MOCK_VPC, zone b
const A2 = "subnet-0c3c3c3c3c3c3c3c3"; // MOCK_VPC, zone a
const PUBLIC = "subnet-0d4d4d4d4d4d4d4d4"; // MOCK_VPC, zone b, default route to an internet gateway
const OTHER_VPC = "subnet-0f5f5f5f5f5f5f5f5";

function problem(raw: unknown, ambient: Ambient = REGION): string {
    return rejected(raw, ambient).message;
}

const managed = { cloud: "aws", placement: "managed" };
const vm = { cloud: "aws", placement: "vm" };

describe("aws config: every bad input names the key, the value and the allowed values", () => {
    const cases: [string, unknown, RegExp[], object?][] = [
        ["aws:region missing", managed, [/aws:region is not set/, /pulumi config set aws:region <region>/, /AWS_REGION/], { config: {}, env: {} }],
        ["an availability zone as the region", managed, [/aws:region is "eu-west-1a", which is not a region/], { config: { "aws:region": "eu-west-1a" } }],
        ["unknown size preset", { ...managed, engine: "mysql", engineVersion: "8.0", size: "xlarge" }, [/dbplace:size is "xlarge"; allowed values: small, medium, large/]],
        ["retention beyond 35", { ...managed, backupRetentionDays: 36 }, [/dbplace:backupRetentionDays is 36; it must be at most 35/]],
        ["RDS read replicas without backups", { ...managed, backupRetentionDays: 0, replicas: { kind: "streaming" } }, [/dbplace:backupRetentionDays is 0, but RDS read replicas need automated backups on their source; allowed values with replicas.kind streaming: 1-35/]],
        ["streaming mysql on VMs", { ...vm, engine: "mysql", engineVersion: "8.0", replicas: { kind: "streaming" } }, [/dbplace:replicas.kind is "streaming", but standby VMs on cloud "aws" replicate postgres only/, /placement managed/]],
        ["HA mysql on VMs", { ...vm, engine: "mysql", engineVersion: "8.0", highAvailability: true }, [/dbplace:highAvailability is true, but standby VMs on cloud "aws" replicate postgres only/]],
        ["baked mysql", { ...managed, engine: "mysql", replicas: { kind: "baked", image: "x" } }, [/dbplace:replicas.kind is "baked", but engine "mysql" is baked on placement docker only, not "managed"/, /allowed values of replicas.kind for engine "mysql" here: none, streaming\./]],
        ["mysql 8.4 on VMs", { ...vm, engine: "mysql" }, [/dbplace:engineVersion is "8.4", which placement "vm" on cloud "aws" cannot install for mysql/, /allowed values: 8.0, or use placement managed/]],
        ["gs:// dumps on aws", { ...vm, backup: { destination: "gs://b/p" } }, [/dbplace:backup.destination is "gs:\/\/b\/p", but cloud "aws" writes dumps to S3; allowed values: pvc/]],
        ["a dump destination for RDS", { ...managed, backup: { destination: "s3://b" } }, [/dbplace:backup.destination is "s3:\/\/b", but placement "managed" keeps RDS automated backups itself/]],
        ["snapshots more often than hourly", { ...vm, backup: { schedule: "*/15 * * * *" } }, [/dbplace:backup.schedule is "\*\/15 \* \* \* \*", more often than hourly/, /"17 \* \* \* \*"/]],
        ["subnets without their VPC", { ...managed, network: { existingSubnetIds: [A, B] } }, [/dbplace:network.existingNetworkId is missing, but network.existingSubnetIds is set/]],
        ["a reused VPC with one subnet", { ...managed, network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A] } }, [/dbplace:network.existingSubnetIds lists 1 subnet\(s\), but a reused VPC needs at least 2 private subnets/]],
        ["a VPC id that is not one", { ...managed, network: { existingNetworkId: "default", existingSubnetIds: [A, B] } }, [/dbplace:network.existingNetworkId is "default", which is not a VPC id/]],
        ["a subnet id that is not one", { ...managed, network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, "private-a"] } }, [/dbplace:network.existingSubnetIds.1 is "private-a", which is not a subnet id/]],
        ["world-open CIDR", { ...managed, network: { allowedCidrs: ["0.0.0.0/0"] } }, [/dbplace:network.allowedCidrs.0 is "0.0.0.0\/0": opening a database port to the whole internet is not allowed/]],
        ["gcp network tags on aws", { ...managed, network: { allowedTags: ["web"] } }, [/dbplace:network.allowedTags only applies to cloud "gcp"/, /allowedSecurityGroupIds/]],
        ["masterPassword on a VM", { ...vm, aws: { masterPassword: "secretsManager" } }, [/dbplace:aws.masterPassword only applies to placement managed/]],
        ["rotating master password with baked replicas", { ...managed, aws: { masterPassword: "secretsManager" }, replicas: { kind: "baked", image: "x" } }, [/dbplace:aws.masterPassword is "secretsManager", but baked replicas derive their reader password/]],
        ["unknown masterPassword", { ...managed, aws: { masterPassword: "vault" } }, [/dbplace:aws.masterPassword is "vault"; allowed values: generated, secretsManager/]],
        ["aws key on another cloud", { cloud: "local", placement: "docker", aws: {} }, [/dbplace:aws only applies to cloud "aws"/]],
        // Source: RDS API CreateDBInstance EngineLifecycleSupport; RDS release calendars (end of standard support).
        ["postgres 13 on RDS without Extended Support", { ...managed, engineVersion: "13" }, [/dbplace:engineVersion is "13", whose RDS standard support ended on 2026-02-28/, /Use a newer major \(14, 15, 16, 17\)/, /aws.extendedSupport: true/]],
        ["mysql 8.0 on RDS without Extended Support", { ...managed, engine: "mysql", engineVersion: "8.0" }, [/dbplace:engineVersion is "8.0", whose RDS standard support ended on 2026-07-31/, /8\.4/]],
        ["extendedSupport on a VM", { ...vm, aws: { extendedSupport: true } }, [/dbplace:aws.extendedSupport only applies to placement managed/]],
        ["baked on VMs with nothing to bake", { ...vm, replicas: { kind: "baked" } }, [/dbplace:replicas.kind is "baked" on placement "vm", but neither replicas.dump nor replicas.image is set/]],
        ["sidecar baked replicas with no cluster", { ...managed, replicas: { kind: "baked", image: "x", mode: "sidecar" } }, [/dbplace:replicas.mode is "sidecar", but with no cluster configured placement "managed" runs baked replicas on VMs/]],
        ["an entry's error names the entry", { ...managed, databases: { orders: { placement: "vm", engine: "mysql", engineVersion: "8.0", highAvailability: true } } }, [/dbplace:databases.orders.highAvailability is true, but standby VMs/]],
    ];
    for (const [title, raw, patterns, ambient] of cases) {
        it(`rejects ${title}`, () => {
            const message = problem(raw, ambient);
            for (const p of patterns) assert.match(message, p);
        });
    }
});

describe("aws config resolution", () => {
    it("takes the region from aws:region, else AWS_REGION, and defaults the password to generated", () => {
        const [fromConfig] = resolveStack(managed, "dbplace", REGION).databases;
        assert.deepEqual(fromConfig.aws, { region: "eu-west-1", masterPassword: "generated", extendedSupport: false });
        const [fromEnv] = resolveStack(managed, "dbplace", { config: {}, env: { AWS_REGION: "us-east-2" } }).databases;
        assert.equal(fromEnv.aws?.region, "us-east-2");
    });

    it("parses an existing dump destination into bucket and prefix", () => {
        const [db] = resolveStack({ ...vm, backup: { destination: "s3://acme-dumps/prod/db" } }, "dbplace", REGION).databases;
        assert.deepEqual(db.aws?.dumpBucket, { bucket: "acme-dumps", prefix: "prod/db" });
    });

    it("sizes RDS for MySQL small one class up, where Performance Insights exists", () => {
        const specs = resolveStack({ ...managed, databases: { pg: {}, my: { engine: "mysql" } } }, "dbplace", REGION).databases;
        assert.deepEqual(specs.map((s) => s.preset.kind === "instance" && s.preset.instanceType), ["db.t4g.small", "db.t4g.medium"]);
    });

    it("runs baked replicas without a cluster on AWS (on an Auto Scaling group)", () => {
        const [db] = resolveStack({ ...managed, replicas: { kind: "baked", image: "x" } }, "dbplace", REGION).databases;
        assert.equal(db.replicas.kind, "baked");
        assert.equal(db.cluster.configured, false);
    });
});

describe("aws pre-flight: checks that need the AWS API fail before any resource", () => {
    const cases: [string, Record<string, unknown>, RegExp[]][] = [
        ["HA with one availability zone", { "aws:region": "ap-single-1", placement: "vm", highAvailability: true }, [/dbplace:highAvailability is true, but region "ap-single-1" has 1 availability zone\(s\) available to this account \(ap-single-1a\) and a standby needs a second zone/]],
        ["RDS with one availability zone", { "aws:region": "ap-single-1", placement: "managed" }, [/dbplace:placement is "managed", but region "ap-single-1" has 1 availability zone/, /RDS subnet groups span two zones/]],
        ["EKS with one availability zone", { "aws:region": "ap-single-1", placement: "cluster", cluster: { create: true } }, [/dbplace:cluster.create is true/, /EKS needs subnets in two zones/]],
        ["a public subnet", { placement: "managed", network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, PUBLIC] } }, [/dbplace:network.existingSubnetIds lists subnet-0d4d4d4d4d4d4d4d4, a public subnet/]],
        ["a subnet of another VPC", { placement: "managed", network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, OTHER_VPC] } }, [/lists subnet-0f5f5f5f5f5f5f5f5, which belongs to vpc-0a9a9a9a9a9a9a9a9, not network.existingNetworkId vpc-0e1e1e1e1e1e1e1e1/]],
        ["reused subnets in one zone with HA", { placement: "vm", highAvailability: true, network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, A2] } }, [/dbplace:network.existingSubnetIds are all in eu-west-1a, but highAvailability is true/]],
        ["EKS in two networks", { placement: "cluster", databases: { a: { cluster: { create: true } }, b: { cluster: { create: true }, network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, B] } } } }, [/dbplace:cluster.create is true for databases in different networks/]],
        ["a baked image in the repository this stack creates (empty on the first deploy)", { placement: "vm", replicas: { kind: "baked", image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dbplace/aws-test/app-baked:seed" } }, [/dbplace:replicas.image is "123456789012\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/dbplace\/aws-test\/app-baked:seed", in ECR repository dbplace\/aws-test\/app-baked, which this stack creates empty/, /replicas\.dump/]],
        ["aws:region missing on the program path", { "aws:region": "", placement: "managed" }, [/aws:region is not set/]],
    ];
    for (const [title, config, patterns] of cases) {
        it(`rejects ${title}`, () => expectConfigError(() => runAws(config), ...patterns));
    }

    it("lets a single-VM database use a one-zone region (both subnets in that zone)", async () => {
        const run = await runAws({ "aws:region": "ap-single-1", placement: "vm", deletionProtection: false });
        assert.deepEqual(ofType(run, "aws:ec2/subnet:Subnet").filter((s) => s.name.includes("private")).map((s) => s.inputs.availabilityZone), ["ap-single-1a", "ap-single-1a"]);
    });

    it("accepts reused private subnets in two zones", async () => {
        const run = await runAws({ placement: "managed", network: { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, B] } });
        assert.deepEqual(ofType(run, "aws:rds/subnetGroup:SubnetGroup")[0].inputs.subnetIds, [A, B]);
    });
});

describe("aws helpers", () => {
    const crons: [string, string][] = [
        ["17 3 * * *", "cron(17 3 * * ? *)"],
        ["0 */6 * * *", "cron(0 */6 * * ? *)"],
        ["30 2 * * 0", "cron(30 2 ? * SUN *)"],
        ["30 2 * * 1-5", "cron(30 2 ? * MON-FRI *)"],
        ["0 4 1 * *", "cron(0 4 1 * ? *)"],
        ["@daily", "cron(0 0 * * ? *)"],
        ["@weekly", "cron(0 0 ? * SUN *)"],
    ];
    for (const [cron, aws] of crons) it(`writes ${cron} as ${aws} for DLM`, () => assert.equal(awsCron(cron), aws));

    const windows: [string, string, string][] = [
        ["17 3 * * *", "03:17-03:47", "sun:05:47-sun:06:47"],
        ["0 22 * * *", "22:00-22:30", "mon:00:30-mon:01:30"],
        ["45 23 * * *", "23:45-00:15", "mon:02:15-mon:03:15"],
        ["*/30 * * * *", "03:00-03:30", "sun:05:30-sun:06:30"],
    ];
    for (const [schedule, backup, maintenance] of windows) {
        it(`derives RDS windows from ${schedule} without overlap`, () => assert.deepEqual(rdsWindows(schedule), { backupWindow: backup, maintenanceWindow: maintenance }));
    }

    it("maps CIDRs to MySQL host patterns, engines to parameter families, instance types to architectures", () => {
        assert.equal(mysqlHost("10.42.0.0/16"), "10.42.0.0/255.255.0.0");
        assert.equal(mysqlHost("192.168.4.0/22"), "192.168.4.0/255.255.252.0");
        assert.equal(mysqlHost("10.1.2.3/32"), "10.1.2.3/255.255.255.255");
        assert.equal(parameterFamily("postgres", "16"), "postgres16");
        assert.equal(parameterFamily("mysql", "8.0"), "mysql8.0");
        assert.deepEqual(["t4g.small", "m7g.large", "r7gd.xlarge", "db.r7g.xlarge", "t3.small", "m7i.large"].map(architectureOf), ["arm64", "arm64", "arm64", "arm64", "x86_64", "x86_64"]);
        assert.equal(finalSnapshotName("Prod.EU", "orders"), "dbplace-prod-eu-orders-final");
        assert.equal(finalSnapshotName("Prod.EU", "orders", "0a1b2c3d"), "dbplace-prod-eu-orders-final-0a1b2c3d");
        assert.equal(finalSnapshotName("x".repeat(300), "orders", "0a1b2c3d").length, 255);
    });
});

describe("aws rules from the database's own name (config/aws-rules.ts)", () => {
    it("refuses names RDS cannot turn into identifiers or a DBName, naming the key and the fix", () => {
        const doubleDash = problem({ ...managed, databases: { "order--history": {} } });
        assert.match(doubleDash, /dbplace:databases\.order--history: database name "order--history" on placement "managed" \(RDS\): .*two consecutive hyphens; use single dashes \(e\.g\. "order-history"\)/);
        const reservedPg = problem({ ...managed, databases: { order: {} } });
        assert.match(reservedPg, /dbplace:databases\.order: .*would be named "order", a reserved word of PostgreSQL, which RDS refuses as DBName; rename it \(e\.g\. "orders"/);
        const reservedMy = problem({ ...managed, engine: "mysql", engineVersion: "8.4", databases: { schema: {} } });
        assert.match(reservedMy, /"schema", a reserved word of MySQL/);
        // The default database (no `databases` key) is named app: fine.
        assert.doesNotThrow(() => resolveStack(managed, "dbplace", REGION));
    });

    it("accepts the same names where RDS does not derive anything from them, and near misses on RDS", () => {
        for (const ok of [{ ...vm, databases: { order: {} } }, { ...managed, databases: { orders: {}, "order-history": {}, users: {} } }, { ...managed, engine: "mysql", engineVersion: "8.4", databases: { order_db: {}, user: {} } }]) {
            assert.doesNotThrow(() => resolveStack(ok, "dbplace", REGION), JSON.stringify(ok));
        }
    });
});
