import * as assert from "node:assert/strict";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { loadStackConfig } from "../../lib/stacks";
import { ofType, one } from "../helpers/resources";

const runStack = (stack: string): Promise<MockRun> => runProgram({ stack, config: loadStackConfig(stack) });
const SQL = "gcp:sql/databaseInstance:DatabaseInstance";

/** Invariants every GCP stack must keep, whatever its databases. */
function assertPrivate(result: MockRun): void {
    for (const vm of ofType(result, "gcp:compute/instance:Instance")) {
        for (const nic of vm.inputs.networkInterfaces) assert.equal(nic.accessConfigs, undefined, `${vm.name} has an external IP`);
    }
    for (const t of ofType(result, "gcp:compute/instanceTemplate:InstanceTemplate")) {
        for (const nic of t.inputs.networkInterfaces) assert.equal(nic.accessConfigs, undefined, `${t.name} gives VMs an external IP`);
    }
    for (const sql of ofType(result, SQL)) assert.equal(sql.inputs.settings.ipConfiguration.ipv4Enabled, false, `${sql.name} has a public IP`);
    for (const fw of ofType(result, "gcp:compute/firewall:Firewall")) {
        assert.ok(!(fw.inputs.sourceRanges ?? []).includes("0.0.0.0/0"), `${fw.name} admits the internet`);
    }
}

describe("gcp example stacks", () => {
    it("gcp-staging: Cloud SQL with replicas, a VM with baked replicas and Cloud SQL MySQL on the platform VPC", async () => {
        const result = await runStack("gcp-staging");
        assertPrivate(result);
        const dbs = result.outputs.databases;
        assert.deepEqual(Object.keys(dbs).sort(), ["catalog", "orders", "sessions"]);
        assert.deepEqual([dbs.orders.placement, dbs.catalog.placement, dbs.sessions.placement], ["managed", "vm", "managed"]);
        assert.equal(dbs.orders.readHost, "ro.orders.gcp-staging.dbplace.internal");
        assert.equal(dbs.sessions.engine, "mysql");
        // Every database joins the reused platform network; none creates one, nor a second PSA peering on it.
        assert.equal(ofType(result, "gcp:compute/network:Network").length, 0);
        assert.equal(ofType(result, "gcp:servicenetworking/connection:Connection").length, 0);
        for (const sql of ofType(result, SQL)) assert.equal(sql.inputs.settings.ipConfiguration.privateNetwork, "projects/acme-staging/global/networks/platform");
        assert.deepEqual(one(result, "gcp:compute/firewall:Firewall", "catalog-fw-clients").inputs.sourceTags, ["app"]);
        assert.equal(one(result, "gcp:compute/regionAutoscaler:RegionAutoscaler", "catalog-baked-autoscaler").inputs.autoscalingPolicy.maxReplicas, 4);
        for (const sql of ofType(result, SQL).filter((s) => s.inputs.masterInstanceName === undefined)) {
            assert.equal(sql.inputs.settings.backupConfiguration.backupRetentionSettings.retainedBackups, 3);
        }
    });

    it("gcp-prod: regional Cloud SQL with three replicas and a VM with a standby, 30 days of backups", async () => {
        const result = await runStack("gcp-prod");
        assertPrivate(result);
        const payments = one(result, SQL, "payments-primary");
        assert.deepEqual(
            [payments.inputs.settings.availabilityType, payments.inputs.settings.tier, payments.inputs.settings.backupConfiguration.transactionLogRetentionDays, payments.protect],
            ["REGIONAL", "db-custom-8-53248", 7, true],
        );
        assert.equal(ofType(result, SQL).filter((s) => s.inputs.masterInstanceName === "payments-primary").length, 3);
        assert.deepEqual(ofType(result, "gcp:compute/instance:Instance").map((i) => i.name).sort(), ["ledger-primary", "ledger-standby-0"]);
        assert.equal(one(result, "gcp:compute/instance:Instance", "ledger-primary").inputs.machineType, "n2-highmem-8");
        assert.equal(one(result, "gcp:compute/resourcePolicy:ResourcePolicy", "ledger-snapshots").inputs.snapshotSchedulePolicy.retentionPolicy.maxRetentionDays, 30);
        assert.deepEqual(one(result, "gcp:compute/firewall:Firewall", "ledger-fw-clients").inputs.sourceRanges, ["10.40.0.0/16", "10.41.0.0/16"]);
        assert.equal(ofType(result, "gcp:monitoring/notificationChannel:NotificationChannel").length, 2);
        assert.equal(result.outputs.databases.payments.readHost, "ro.payments.gcp-prod.dbplace.internal");
    });
});
