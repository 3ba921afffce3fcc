import * as assert from "node:assert/strict";
import { evaluateWithMocks } from "../../lib/compare/collect";
import { buildComparison } from "../../lib/compare/compare";
import { tlsRequired } from "../../lib/compare/facts/durability";
import { exposureOf } from "../../lib/compare/facts/exposure";
import { PlannedResource } from "../../lib/compare/model";
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
        assert.equal(f.encryption, "at rest: none (local volume); TLS required", "the master's pg_hba has hostssl lines only");
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
        assert.equal(f.encryption, "at rest: KMS key; TLS required", "rds.force_ssl in the parameter group");
    });

    it("aws vm: EBS snapshots on the schedule plus dumps to the S3 bucket the placement creates", async () => {
        const f = await facts({ ...aws, "dbplace:placement": "vm" });
        assert.equal(f.backups, "EBS snapshots cron 5 4 * * ? *, kept 9 days + dumps → S3 bucket, kept 9 days");
        assert.equal(f.PITR, "no (snapshots and dumps only)");
        assert.equal(f.encryption, "at rest: EBS, KMS key; TLS required", "the user data's pg_hba has hostssl lines only");
    });

    it("aws vm with HA: the standby's data volume sits in another availability zone", async () => {
        const f = await facts({ ...aws, "dbplace:placement": "vm", "dbplace:highAvailability": true });
        assert.equal(f.HA, "standby VM × 1 in another zone, manual failover");
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

    it("gcp managed: TLS from sslMode, and a private IP serves the whole VPC network", async () => {
        const f = await facts({ ...gcp, "dbplace:placement": "managed" });
        assert.equal(f.encryption, "at rest: Google-managed key; TLS required");
        assert.match(f.clients!, /^any host in VPC \S+ \(private IP\)$/, "no authorized networks: the VPC is who may connect, not nobody");
    });

    it("gcp vm: clients are who reaches the database port, not IAP's SSH range; the standby is its own server", async () => {
        const f = await facts({ ...gcp, "dbplace:placement": "vm", "dbplace:highAvailability": true });
        assert.match(f.clients!, /^cidr 10\.0\.0\.0\/16, its own servers \(tag [a-z0-9-]+\)$/);
        assert.equal(f.HA, "standby VM × 1 in another zone, manual failover", "the standby's registered zone differs from the primary's");
        assert.equal(f.encryption, "at rest: Google-managed key; TLS required");
    });

    it("cluster: no TLS claim when nothing registered requires it", async () => {
        const f = await facts({ ...local, "dbplace:placement": "cluster" });
        assert.equal(f.encryption, "as the cluster's storage class");
    });

    it("baked replicas from a dump: baked at deploy, and no re-bake schedule claimed, since none is registered", async () => {
        const replicas = { kind: "baked", count: 1, dump: "stacks/seed/app.dump", schedule: "0 */6 * * *", maxStalenessMinutes: 60 };
        const docker = await facts({ ...local, "dbplace:placement": "docker", "dbplace:image": "dbplace/postgres:15", "dbplace:replicas": replicas });
        const cluster = await facts({ ...local, "dbplace:placement": "cluster", "dbplace:replicas": { ...replicas, repository: "127.0.0.1:5000/dbplace/app-baked" } });
        for (const f of [docker, cluster]) assert.equal(f["staleness bound"], "≤ 60 min (baked from the dump at deploy; re-bake: npm run rebake, not scheduled)");
    });
});

const planned = (type: string, name: string, inputs: Record<string, unknown>): PlannedResource => ({ type, name, urn: `urn:${name}`, custom: true, inputs, secretPaths: [], protect: false });

describe("compare: TLS and reach read from the server's own configuration", () => {
    const vm = (hba: string) => [planned("aws:ec2/instance:Instance", "db-primary-instance", { userData: `#!/bin/bash\ncat > pg_hba.conf <<EOF\n${hba}\nEOF\n` })];

    it("a pg_hba with only hostssl network lines (plain host on loopback or reject) requires TLS", () => {
        assert.equal(tlsRequired(vm("local all postgres peer\nhost all opsagent 127.0.0.1/32 scram-sha-256\nhostssl all all 10.0.0.0/16 scram-sha-256\nhost all all all reject")), true);
    });

    it("one plain host line to a network, or no hostssl at all, does not", () => {
        assert.equal(tlsRequired(vm("hostssl all all 10.0.0.0/16 scram-sha-256\nhost all all 10.1.0.0/16 scram-sha-256")), false);
        assert.equal(tlsRequired(vm("host all all 10.0.0.0/16 scram-sha-256")), false);
        assert.equal(tlsRequired([planned("aws:rds/parameterGroup:ParameterGroup", "p", { parameters: [{ name: "rds.force_ssl", value: "0" }] })]), false);
    });

    it("a firewall open to the world stays PUBLIC even when it admits only SSH, which lists no client", () => {
        const fw = planned("gcp:compute/firewall:Firewall", "db-ssh", { direction: "INGRESS", sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp", ports: ["22"] }] });
        const e = exposureOf([fw], { network: {} } as never);
        assert.match(e.reach, /^PUBLIC: firewall db-ssh open to 0\.0\.0\.0\/0$/);
        assert.deepEqual(e.clients, []);
    });
});
