import * as assert from "node:assert/strict";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";

const SQL = "gcp:sql/databaseInstance:DatabaseInstance";
const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const PROVIDER = { "gcp:project": "acme-test", "gcp:region": "europe-west1" };
const base = { ...PROVIDER, cloud: "gcp", placement: "managed" };
const run = (config: Record<string, unknown>): Promise<MockRun> => runProgram({ stack: "test", config: { ...base, ...config } });

describe("gcp/managed placement (Cloud SQL)", () => {
    const variants: [string, Record<string, unknown>, Record<string, string[] | undefined>][] = [
        ["a new private network", {}, {
            [SQL]: ["app-primary"],
            "gcp:sql/database:Database": ["app-db"],
            "gcp:sql/user:User": ["app-user"],
            "gcp:compute/network:Network": ["network-vpc"],
            "gcp:compute/subnetwork:Subnetwork": ["network-subnet"],
            "gcp:compute/globalAddress:GlobalAddress": ["network-psa-range"],
            "gcp:servicenetworking/connection:Connection": ["network-psa"],
            // Cloud SQL needs no egress: no NAT, no router; private IP is governed by the peering, not VPC firewall rules.
            "gcp:compute/routerNat:RouterNat": undefined,
            "gcp:compute/firewall:Firewall": undefined,
            [POLICY]: ["app-monitoring-connections", "app-monitoring-cpu", "app-monitoring-disk", "app-monitoring-memory"],
            "gcp:monitoring/notificationChannel:NotificationChannel": undefined,
        }],
        ["streaming replicas", { replicas: { kind: "streaming", count: 2 } }, {
            [SQL]: ["app-primary", "app-replica-0", "app-replica-1"],
            "gcp:dns/managedZone:ManagedZone": ["app-dns-zone"],
            "gcp:dns/recordSet:RecordSet": ["app-dns-ro"],
            [POLICY]: ["app-monitoring-connections", "app-monitoring-cpu", "app-monitoring-disk", "app-monitoring-memory", "app-monitoring-replication-lag"],
        }],
        ["an existing network", { network: { existingNetworkId: "platform", existingSubnetIds: ["platform-euw1"] } }, {
            [SQL]: ["app-primary"],
            "gcp:compute/network:Network": undefined,
            "gcp:servicenetworking/connection:Connection": undefined,
        }],
        ["an alert email", { alertEmail: "oncall@example.com" }, {
            "gcp:monitoring/notificationChannel:NotificationChannel": ["app-monitoring-email"],
        }],
    ];
    for (const [title, extra, expected] of variants) {
        it(`registers the expected resources: ${title}`, async () => {
            const got = inventory(await run(extra));
            for (const [type, names] of Object.entries(expected)) assert.deepEqual(got[type], names, type);
        });
    }

    it("gives the primary and every replica a private IP only, TLS required, after the peering exists", async () => {
        const result = await run({ replicas: { kind: "streaming", count: 2 } });
        const vpcId = "projects/acme-test/global/networks/network-vpc";
        for (const instance of ofType(result, SQL)) {
            const ip = instance.inputs.settings.ipConfiguration;
            assert.equal(ip.ipv4Enabled, false, instance.name);
            assert.equal(ip.privateNetwork, vpcId, instance.name);
            assert.equal(ip.sslMode, "ENCRYPTED_ONLY", instance.name);
            assert.equal(ip.authorizedNetworks, undefined, instance.name);
            assert.ok(instance.dependsOn.includes("network-psa"), `${instance.name} must wait for the servicenetworking connection; dependsOn ${instance.dependsOn}`);
        }
        assert.deepEqual(one(result, "gcp:servicenetworking/connection:Connection", "network-psa").inputs.reservedPeeringRanges, ["network-psa-range"]);
        const range = one(result, "gcp:compute/globalAddress:GlobalAddress", "network-psa-range").inputs;
        assert.deepEqual([range.purpose, range.addressType, range.network], ["VPC_PEERING", "INTERNAL", vpcId]);
        assert.equal(one(result, "gcp:compute/subnetwork:Subnetwork", "network-subnet").inputs.privateIpGoogleAccess, true);
        for (const r of ofType(result, SQL).filter((i) => i.name !== "app-primary")) assert.equal(r.inputs.masterInstanceName, "app-primary");
    });

    const ha: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
        ["postgres zonal", {}, "ZONAL", { pointInTimeRecoveryEnabled: true, binaryLogEnabled: undefined, transactionLogRetentionDays: 6, retainedBackups: 7 }],
        ["postgres regional", { highAvailability: true, backupRetentionDays: 3 }, "REGIONAL", { pointInTimeRecoveryEnabled: true, transactionLogRetentionDays: 2, retainedBackups: 3 }],
        ["mysql regional", { engine: "mysql", highAvailability: true, backupRetentionDays: 30 }, "REGIONAL", { pointInTimeRecoveryEnabled: undefined, binaryLogEnabled: true, transactionLogRetentionDays: 7, retainedBackups: 30 }],
        ["postgres on Enterprise Plus", { backupRetentionDays: 21, gcp: { tier: "db-perf-optimized-N-4" } }, "ZONAL", { pointInTimeRecoveryEnabled: true, transactionLogRetentionDays: 20, retainedBackups: 21 }],
    ];
    for (const [title, extra, availability, backup] of ha) {
        it(`sets availability and backups with point-in-time recovery: ${title}`, async () => {
            const settings = one(await run(extra), SQL, "app-primary").inputs.settings;
            assert.equal(settings.availabilityType, availability);
            const b = settings.backupConfiguration;
            assert.equal(b.enabled, true);
            assert.equal(b.startTime, "03:00", "the backup window follows the dump schedule's hour");
            for (const [k, v] of Object.entries(backup)) {
                const got = k === "retainedBackups" ? b.backupRetentionSettings?.retainedBackups : b[k];
                assert.equal(got, v, k);
            }
        });
    }

    it("pins the edition that matches the tier, with maintenance window, Query Insights and size flags", async () => {
        const result = await run({ engineVersion: "16", size: "medium" });
        const primary = one(result, SQL, "app-primary").inputs;
        assert.equal(primary.databaseVersion, "POSTGRES_16");
        // PostgreSQL 16+ defaults to Enterprise Plus, which refuses db-custom tiers: the edition must be explicit.
        assert.deepEqual([primary.settings.tier, primary.settings.edition], ["db-custom-2-7680", "ENTERPRISE"]);
        assert.deepEqual(primary.settings.maintenanceWindow, { day: 7, hour: 4, updateTrack: "stable" });
        assert.equal(primary.settings.insightsConfig.queryInsightsEnabled, true);
        const flags = Object.fromEntries(primary.settings.databaseFlags.map((f: { name: string; value: string }) => [f.name, f.value]));
        assert.equal(flags.max_connections, "800");
        assert.equal(flags.log_min_duration_statement, "500");
        const mysql = one(await run({ engine: "mysql", engineVersion: "8.0" }), SQL, "app-primary").inputs;
        assert.equal(mysql.databaseVersion, "MYSQL_8_0");
        assert.ok(mysql.settings.databaseFlags.some((f: { name: string; value: string }) => f.name === "slow_query_log" && f.value === "on"));
    });

    it("protects the primary in the API and in Pulumi unless deletionProtection is false; replicas stay disposable", async () => {
        const protectedRun = await run({ replicas: { kind: "streaming", count: 1 } });
        const primary = one(protectedRun, SQL, "app-primary");
        assert.deepEqual([primary.inputs.deletionProtection, primary.inputs.settings.deletionProtectionEnabled, primary.protect, primary.retainOnDelete], [true, true, true, true]);
        const replica = one(protectedRun, SQL, "app-replica-0");
        assert.deepEqual([replica.inputs.deletionProtection, replica.protect], [false, false]);
        const open = one(await run({ deletionProtection: false }), SQL, "app-primary");
        assert.deepEqual([open.inputs.deletionProtection, open.inputs.settings.deletionProtectionEnabled, open.protect], [false, false, false]);
    });

    it("keeps the generated password a secret and hands out the contract with TLS parameters", async () => {
        const result = await run({ replicas: { kind: "streaming", count: 2 } });
        const user = one(result, "gcp:sql/user:User", "app-user");
        assert.ok(user.secretPaths.includes("password"), `password must be a secret; secret paths: ${user.secretPaths}`);
        assert.equal(user.inputs.name, "dbadmin");
        const app = result.outputs.databases.app;
        assert.equal(app.host, app.connectionSecret.match(/@([\d.]+):/)?.[1]);
        assert.match(app.host, /^10\.99\./);
        assert.equal(app.readHost, "ro.app.test.dbplace.internal");
        assert.match(app.connectionSecret, /^postgresql:\/\/dbadmin:[A-Za-z0-9]+@10\.99\.[\d.]+:5432\/app\?sslmode=require$/);
        assert.match(app.readConnectionSecret, /@ro\.app\.test\.dbplace\.internal:5432\/app\?sslmode=require$/);
        assert.deepEqual([app.placement, app.engine, app.port, app.readPort, app.database, app.username], ["managed", "postgres", 5432, 5432, "app", "dbadmin"]);
        const record = one(result, "gcp:dns/recordSet:RecordSet", "app-dns-ro").inputs;
        assert.equal(record.rrdatas.length, 2);
        const zone = one(result, "gcp:dns/managedZone:ManagedZone", "app-dns-zone").inputs;
        assert.deepEqual([zone.visibility, zone.dnsName], ["private", "app.test.dbplace.internal."]);
    });

    it("reads from the primary when there are no replicas, with mysql's TLS parameter", async () => {
        const app = (await run({ engine: "mysql" })).outputs.databases.app;
        assert.equal(app.readHost, app.host);
        assert.equal(app.port, 3306);
        assert.match(app.connectionSecret, /^mysql:\/\/.*:3306\/app\?ssl-mode=REQUIRED$/);
    });

    it("alerts on the primary and lag on the replicas only, through the email channel", async () => {
        const result = await run({ alertEmail: "oncall@example.com", replicas: { kind: "streaming", count: 2 }, size: "large" });
        const channel = one(result, "gcp:monitoring/notificationChannel:NotificationChannel", "app-monitoring-email").inputs;
        assert.deepEqual([channel.type, channel.labels.email_address], ["email", "oncall@example.com"]);
        for (const p of ofType(result, POLICY)) assert.equal(p.inputs.notificationChannels.length, 1, p.name);
        const filter = (name: string) => one(result, POLICY, name).inputs.conditions[0].conditionThreshold.filter as string;
        assert.match(filter("app-monitoring-cpu"), /database_id = one_of\("acme-test:app-primary", "acme-test:app-replica-0", "acme-test:app-replica-1"\)/);
        assert.match(filter("app-monitoring-replication-lag"), /replication\/replica_lag.*one_of\("acme-test:app-replica-0", "acme-test:app-replica-1"\)$/);
        const connections = one(result, POLICY, "app-monitoring-connections").inputs.conditions[0].conditionThreshold;
        assert.match(connections.filter, /postgresql\/num_backends/);
        assert.equal(connections.thresholdValue, 1600, "80% of the large preset's 2000 connections");
    });

    it("registers a database that survives the facade (ABANDON, never dropped by a config change)", async () => {
        const db = one(await run({}), "gcp:sql/database:Database", "app-db").inputs;
        assert.deepEqual([db.name, db.instance, db.deletionPolicy], ["app", "app-primary", "ABANDON"]);
    });
});
