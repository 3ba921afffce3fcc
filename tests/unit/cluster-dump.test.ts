import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { dumpScript, LATEST_DUMP, RCLONE_IMAGE, uploadScript } from "../../components/cluster/dump";
import { RecordedResource, runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { one } from "../helpers/resources";

const run = (config: Record<string, unknown>) => runProgram({
    stack: "test",
    config: { cloud: "local", placement: "cluster", ...config },
    program,
});
const CRON = "kubernetes:batch/v1:CronJob";
const podOf = (r: RecordedResource) => r.inputs.spec.jobTemplate.spec.template.spec;

describe("cluster: the dump CronJob", () => {
    it("dumps on backup.schedule in UTC, one at a time, into the protected dumps claim", async () => {
        const result = await run({ backup: { schedule: "0 2 * * *" }, cluster: { storageClass: "standard" } });
        const cron = one(result, CRON, "app-dump");
        assert.equal(cron.inputs.spec.schedule, "0 2 * * *");
        assert.equal(cron.inputs.spec.timeZone, "Etc/UTC");
        assert.equal(cron.inputs.spec.concurrencyPolicy, "Forbid");
        const pod = podOf(cron);
        // The CA from the credentials Secret (the public certificate only): the dump verifies the primary's name (issue 15).
        assert.deepEqual(pod.volumes, [
            { name: "dumps", persistentVolumeClaim: { claimName: "app-dumps" } },
            { name: "ca", secret: { secretName: "app-credentials", items: [{ key: "ca.crt", path: "ca.crt" }], defaultMode: 0o444 } },
        ]);
        assert.equal(pod.initContainers, undefined, "no upload step for a pvc destination");
        const [dump] = pod.containers;
        assert.equal(dump.image, "postgres:17", "pg_dump must match the server's major");
        assert.match(dump.command[2], /pg_dump -Fc --no-owner -h "\$DB_HOST"/);
        assert.match(dump.command[2], /-ge 604800 \]/, "7 days of retention by default");
        const env = Object.fromEntries(dump.env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
        assert.equal(env.DB_HOST, "app-rw");
        assert.deepEqual(env.PGPASSWORD, { name: "app-credentials", key: "password" });
        assert.deepEqual(env.DB_USER, { name: "app-credentials", key: "username" });
        assert.equal(env.PGSSLMODE, "verify-full");
        assert.equal(env.PGSSLROOTCERT, "/etc/dbplace/ca/ca.crt");
        const claim = one(result, "kubernetes:core/v1:PersistentVolumeClaim", "app-dumps");
        assert.equal(claim.protect, true);
        assert.equal(claim.inputs.spec.storageClassName, "standard");
        assert.equal(claim.inputs.metadata.annotations["pulumi.com/skipAwait"], "true");
    });

    it("declares its retention as dbplace.io/backup-retention-days, where the policy pack reads it", async () => {
        const cron = one(await run({ backupRetentionDays: 14 }), CRON, "app-dump");
        assert.deepEqual(cron.inputs.metadata.annotations, { "dbplace.io/backup-retention-days": "14" });
        assert.match(podOf(cron).containers[0].command[2], /-ge 1209600 \]/, "the same 14 days the script keeps");
    });

    it("uses mysqldump for mysql", async () => {
        const [dump] = podOf(one(await run({ engine: "mysql", backupRetentionDays: 3 }), CRON, "app-dump")).containers;
        assert.match(dump.command[2], /mysqldump --single-transaction .* "\$DB_NAME" > "\$TMP"/);
        assert.match(dump.command[2], /-ge 259200 \]/);
        assert.ok(dump.env.some((e: any) => e.name === "MYSQL_PWD" && e.valueFrom.secretKeyRef.key === "password"));
    });

    it("uploads complete dumps to an object store with rclone and the credentials Secret", async () => {
        const result = await run({ backup: { destination: "s3://acme-backups/db/app", credentialsSecret: "backup-creds" }, backupRetentionDays: 14 });
        const pod = podOf(one(result, CRON, "app-dump"));
        assert.deepEqual(pod.initContainers.map((c: any) => c.name), ["dump"], "the upload starts only after the dump succeeded");
        const [upload] = pod.containers;
        assert.equal(upload.image, RCLONE_IMAGE);
        assert.deepEqual(upload.envFrom, [{ secretRef: { name: "backup-creds" } }]);
        assert.ok(upload.env.some((e: any) => e.name === "RCLONE_CONFIG_DEST_TYPE" && e.value === "s3"));
        assert.match(upload.command[2], /rclone copy \/dumps "dest:acme-backups\/db\/app\/test\/app"/);
        assert.match(upload.command[2], /--min-age 14d/);
        assert.ok(upload.volumeMounts.every((m: any) => m.readOnly), "the uploader never writes the dumps");
        const gcs = podOf(one(await run({ backup: { destination: "gs://acme/app" } }), CRON, "app-dump")).containers[0];
        assert.ok(gcs.env.some((e: any) => e.name === "RCLONE_CONFIG_DEST_TYPE" && e.value === "google cloud storage"));
        assert.equal(gcs.envFrom, undefined, "workload identity when no Secret is given");
    });

    it("deletes every remote timestamped dump but latest when retention is 0", () => {
        const script = uploadScript("gs://acme/app", 0);
        assert.match(script, /rclone delete "dest:acme\/app" --include "\$DB_NAME-\*\.dump"$/m);
    });
});

describe("cluster: the dump script, run for real", () => {
    let dir: string;
    let bin: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-dumps-"));
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-bin-"));
        // A fake pg_dump that writes its -f target, or fails when asked to.
        fs.writeFileSync(path.join(bin, "pg_dump"), [
            "#!/bin/sh",
            'while [ $# -gt 0 ]; do',
            '  if [ "$1" = -f ]; then',
            '    if [ -n "${FAIL:-}" ]; then echo partial > "$2"; exit 1; fi',
            '    echo "dump $RUN" > "$2"',
            '  fi',
            '  shift',
            'done',
        ].join("\n"), { mode: 0o755 });
        // A fake pg_isready: refuses READY_AFTER times (a policy not yet programmed), then answers.
        fs.writeFileSync(path.join(bin, "pg_isready"), [
            "#!/bin/sh",
            'n=$(cat "$0.count" 2>/dev/null || echo 0); echo $((n + 1)) > "$0.count"',
            '[ "$n" -ge "${READY_AFTER:-0}" ]',
        ].join("\n"), { mode: 0o755 });
    });

    it("waits for the server to answer before dumping, so a Job pod that starts before its network allowance still dumps", () => {
        const r = exec(7, { READY_AFTER: "2" });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(path.join(bin, "pg_isready.count"), "utf8").trim(), "3", "two refusals, then the dump");
        assert.equal(fs.readFileSync(path.join(dir, LATEST_DUMP), "utf8"), "dump new\n");
    });
    afterEach(() => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.rmSync(bin, { recursive: true, force: true });
    });

    const exec = (days: number, extra: Record<string, string> = {}) => spawnSync("sh", ["-c", dumpScript("postgres", days, dir)], {
        env: { PATH: `${bin}:${process.env.PATH}`, DB_NAME: "app", DB_HOST: "h", DB_PORT: "5432", DB_USER: "u", RUN: "new", ...extra },
        encoding: "utf8",
    });
    const aged = (name: string, days: number) => {
        const file = path.join(dir, name);
        fs.writeFileSync(file, "old");
        const t = Date.now() / 1000 - days * 86400;
        fs.utimesSync(file, t, t);
    };
    const files = () => fs.readdirSync(dir).sort();

    it("publishes latest.dump and drops dumps older than the retention", () => {
        aged("app-20000101T000000Z.dump", 10);
        aged("app-20000102T000000Z.dump", 2);
        aged("other-20000101T000000Z.dump", 10);
        const r = exec(7);
        assert.equal(r.status, 0, r.stderr);
        const left = files();
        assert.ok(left.includes(LATEST_DUMP));
        assert.ok(left.includes("app-20000102T000000Z.dump"), "a 2-day-old dump is within 7 days");
        assert.ok(!left.includes("app-20000101T000000Z.dump"), "a 10-day-old dump is past 7 days");
        assert.ok(left.includes("other-20000101T000000Z.dump"), "only this database's dumps are pruned");
        assert.equal(left.filter((f) => /^app-\d{8}T\d{6}Z\.dump$/.test(f)).length, 2, "the new timestamped dump stays");
        assert.equal(fs.readFileSync(path.join(dir, LATEST_DUMP), "utf8"), "dump new\n");
        assert.ok(!left.some((f) => f.startsWith(".")), `no temporary files left: ${left}`);
    });

    it("keeps only latest.dump when the retention is 0", () => {
        aged("app-20000102T000000Z.dump", 0);
        const r = exec(0);
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(files(), [LATEST_DUMP]);
        assert.equal(fs.readFileSync(path.join(dir, LATEST_DUMP), "utf8"), "dump new\n");
    });

    it("leaves the previous latest.dump untouched when a dump fails", () => {
        fs.writeFileSync(path.join(dir, LATEST_DUMP), "previous");
        const r = exec(7, { FAIL: "1" });
        assert.notEqual(r.status, 0);
        assert.deepEqual(files(), [LATEST_DUMP], "no partial file may remain");
        assert.equal(fs.readFileSync(path.join(dir, LATEST_DUMP), "utf8"), "previous");
    });
});
