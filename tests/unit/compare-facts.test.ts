import * as assert from "node:assert/strict";
import { evaluateWithMocks } from "../../lib/compare/collect";
import { buildComparison } from "../../lib/compare/compare";
import { loadPrices } from "../../lib/compare/prices";

/**
 * The backups, PITR, HA and encryption rows come from what each placement registers (RDS automated
 * backups, Cloud SQL backups, snapshot policies and dump buckets, dump CronJobs), through the real
 * program under mocks: one case per placement, and per backup destination where it changes the answer.
 */
const prices = loadPrices();
const aws = { "aws:region": "us-east-1", "dbplace:cloud": "aws", "dbplace:network": { allowedCidrs: ["10.0.0.0/16"] } };
const gcp = { "gcp:project": "acme-facts", "gcp:region": "us-central1", "dbplace:cloud": "gcp", "dbplace:network": { allowedCidrs: ["10.0.0.0/16"] } };
const local = { "dbplace:cloud": "local" };

async function facts(config: Record<string, unknown>): Promise<Record<string, string | null>> {
    const e = await evaluateWithMocks("facts", { "dbplace:backupRetentionDays": 9, "dbplace:backup": { schedule: "5 4 * * *" }, ...config });
    assert.equal(e.error, undefined, e.error?.message);
    const c = buildComparison([e], prices);
    return Object.fromEntries(c.summary.filter((r) => r.database === "app").map((r) => [r.setting, r.values.facts]));
}

describe("compare: backups, PITR, HA and encryption follow what the placement registers", function () {
    this.timeout(120_000);

    it("docker: no scheduled backup, no PITR", async () => {
        const f = await facts({ ...local, "dbplace:placement": "docker" });
        assert.match(f.backups!, /^none scheduled \(dump on demand/);
        assert.equal(f.PITR, "no");
        assert.equal(f.encryption, "none (local volume)");
    });

    it("cluster: the dump CronJob's schedule and retention, to its PVC", async () => {
        const f = await facts({ ...local, "dbplace:placement": "cluster", "dbplace:highAvailability": true });
        assert.equal(f.backups, "dump cron 5 4 * * * → its PVC, kept 9 days");
        assert.equal(f.PITR, "no (scheduled dumps only)");
        assert.equal(f.HA, "hot standby pod, manual failover");
    });

    it("cluster with an s3:// destination: the upload container's bucket, under <stack>/<database>", async () => {
        const f = await facts({ ...local, "dbplace:placement": "cluster", "dbplace:backup": { schedule: "5 4 * * *", destination: "s3://dumps-bucket/app" } });
        assert.equal(f.backups, "dump cron 5 4 * * * → s3://dumps-bucket/app/facts/app, kept 9 days");
    });

    it("aws managed: RDS automated backups in the window derived from the schedule, PITR over the retention", async () => {
        const f = await facts({ ...aws, "dbplace:placement": "managed", "dbplace:highAvailability": true });
        assert.match(f.backups!, /^RDS automated, daily 04:05-04:35 UTC, kept 9 days$/);
        assert.equal(f.PITR, "yes, RDS, last 9 days");
        assert.equal(f.HA, "yes: RDS Multi-AZ, automatic failover");
        assert.equal(f.encryption, "at rest: KMS key");
    });

    it("aws vm: EBS snapshots on the schedule plus dumps to the S3 bucket the placement creates", async () => {
        const f = await facts({ ...aws, "dbplace:placement": "vm" });
        assert.equal(f.backups, "EBS snapshots cron 5 4 * * ? *, kept 9 days + dumps → S3 bucket, kept 9 days");
        assert.equal(f.PITR, "no (snapshots and dumps only)");
        assert.equal(f.encryption, "at rest: EBS, KMS key");
    });

    it("aws cluster on an existing context: the dump CronJob, not RDS", async () => {
        const f = await facts({ ...aws, "dbplace:placement": "cluster", "dbplace:cluster": { context: "staging-eks" } });
        assert.equal(f.backups, "dump cron 5 4 * * * → its PVC, kept 9 days");
    });

    it("gcp managed: Cloud SQL backups at the schedule's hour, PITR over the log retention", async () => {
        const f = await facts({ ...gcp, "dbplace:placement": "managed" });
        assert.match(f.backups!, /^Cloud SQL automated, daily 04:00 UTC, kept 9 backups$/);
        assert.match(f.PITR!, /^yes, Cloud SQL, last \d+ days?$/);
        assert.equal(f.HA, "no (zonal)");
    });

    it("gcp vm: PD snapshots daily plus dumps to the GCS bucket the placement creates", async () => {
        const f = await facts({ ...gcp, "dbplace:placement": "vm" });
        assert.equal(f.backups, "PD snapshots daily 04:00 UTC, kept 9 days + dumps → GCS bucket, kept 9 days");
    });

    it("gcp vm with an existing gs:// bucket: says the bucket comes from config", async () => {
        const f = await facts({ ...gcp, "dbplace:placement": "vm", "dbplace:backup": { schedule: "5 4 * * *", destination: "gs://team-dumps/app" } });
        assert.match(f.backups!, /\+ dumps → gs:\/\/team-dumps\/app \(existing bucket, from config\)$/);
    });
});
