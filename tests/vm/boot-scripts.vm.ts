import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { awsWorld, gcpWorld, World } from "./support/clouds";
import { Lab, Vm } from "./support/lab";

/**
 * The VM boot scripts the program generates, run for real: each cloud's primary and standby boot a
 * Debian 12 VM (systemd, a loop device as the data disk, the fake cloud of tools/vm) from the exact
 * scripts `pulumi up` would send, then serve, replicate, dump and survive a reboot.
 */
const lab = new Lab();
after(function () {
    this.timeout(120_000);
    lab.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => T | undefined, timeoutMs = 120_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const v = fn();
        if (v !== undefined && v !== false) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(1000);
    }
}

function expectBooted(vm: Vm, line: string, expected: RegExp) {
    assert.match(line, expected, `${vm.spec.name}: the boot script failed; its output ends:\n${vm.output().slice(-4000)}`);
}

/** psql from the application side, as the given address, over TLS unless told otherwise. */
function clientSql(w: World, fromIp: string, host: string, sql: string, opts: { sslmode?: string; db?: string } = {}) {
    const conn = `host=${host} dbname=${opts.db ?? w.db} user=${w.app.user} sslmode=${opts.sslmode ?? "require"} connect_timeout=10`;
    return w.primary.lab.client(w.network, fromIp, `PGPASSWORD='${w.app.password}' psql -XAtq -v ON_ERROR_STOP=1 "${conn}" -c "${sql}"`, true);
}

for (const [cloud, make] of [["aws", awsWorld], ["gcp", gcpWorld]] as const) {
    describe(`${cloud}: database VMs from the program's boot scripts`, function () {
        this.timeout(600_000);
        let w: World;
        const facts: Record<string, string> = {};

        before(async () => {
            w = await make(lab);
            expectBooted(w.primary, await w.primary.waitBoot(1), /^boot 1 rc 0$/);
            expectBooted(w.standby, await w.standby.waitBoot(1), /^boot 1 rc 0$/);
        });

        it("runs Postgres 15 on the data disk, TLS on, listening on the private address", () => {
            const p = w.primary;
            assert.equal(p.psql("SHOW ssl"), "on");
            assert.match(p.psql("SHOW data_directory"), /^\/(srv|var\/lib)\/(dbplace|postgresql)\//);
            const dataMount = p.exec(`findmnt -n -o SOURCE --target "$(sudo -u postgres psql -XAtq -c 'SHOW data_directory')"`).out;
            assert.match(dataMount, /\/dev\/(nvme1n1|sdb)/, "the cluster lives on the attached disk, not the boot disk");
            assert.equal(p.psql("SELECT count(*) FROM pg_settings WHERE name = 'listen_addresses' AND setting LIKE '%' || inet_server_addr()::text || '%'") || "0", "0", "local socket has no inet address");
            assert.match(p.psql("SHOW listen_addresses"), new RegExp(p.spec.ip.replace(/\./g, "\\.")));
        });

        it("admits the application role from a client container over TLS, and only over TLS", () => {
            const ok = clientSql(w, w.clientIp, w.primary.spec.ip, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            assert.equal(ok.code, 0, ok.err);
            assert.equal(ok.out.trim(), "t");
            const plain = clientSql(w, w.clientIp, w.primary.spec.ip, "SELECT 1", { sslmode: "disable" });
            assert.notEqual(plain.code, 0, "a cleartext connection must be refused");
            assert.match(plain.err, /pg_hba\.conf|rejected/);
            if (w.outsiderIp) {
                const outsider = clientSql(w, w.outsiderIp, w.primary.spec.ip, "SELECT 1");
                assert.notEqual(outsider.code, 0, "an address outside the allow-list must be refused");
                assert.match(outsider.err, /pg_hba\.conf|rejected/);
            }
        });

        it("streams to the standby: a write on the primary appears there", async () => {
            assert.equal(w.standby.psql("SELECT pg_is_in_recovery()"), "t");
            const ok = clientSql(w, w.clientIp, w.primary.spec.ip, "CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY, note text); INSERT INTO items VALUES (1, 'first boot')");
            assert.equal(ok.code, 0, ok.err);
            await until("the row on the standby", () => w.standby.psql("SELECT note FROM items WHERE id = 1", w.db) === "first boot" || undefined, 60_000);
            assert.equal(w.primary.psql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), "1");
        });

        it("schedules a dump that cron runs, writing a pg_dump -Fc archive to the bucket", () => {
            const p = w.primary;
            const cronFile = p.exec("cat /etc/cron.d/dbplace-dump").out;
            const line = cronFile.split("\n").find((l) => /^\S+ \S+ \S+ \S+ \S+ root /.test(l));
            assert.ok(line, `no crontab line in:\n${cronFile}`);
            assert.match(line, /^0 3 \* \* \* root /, "the stack's backup.schedule");
            assert.equal(p.exec("systemctl is-active cron").out.trim(), "active");
            assert.doesNotMatch(p.exec("journalctl -u cron --no-pager", true).out, /(Error|bad).*dbplace-dump/i, "cron rejected the file");
            // What cron does at 03:00: the command, by /bin/sh, with cron's bare environment.
            const command = line.split(/\s+/).slice(6).join(" ");
            const env = cronFile.split("\n").filter((l) => /^[A-Z_]+=/.test(l));
            p.exec(`env -i PATH=/usr/bin:/bin SHELL=/bin/sh HOME=/root LOGNAME=root ${env.join(" ")} /bin/sh -c '${command.replace(/'/g, "'\\''")}'`);
            const dir = path.join(lab.buckets, w.dumpDir);
            const dumps = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d{8}T\d{6}Z\.dump$/.test(f)) : [];
            assert.equal(dumps.length, 1, `one timestamped dump in the bucket; the dump log says:\n${p.exec("cat /var/log/dbplace-dump.log; journalctl -t dbplace-dump --no-pager", true).out}`);
            const toc = lab.client(w.network, w.clientIp, `pg_restore -l /buckets/${w.dumpDir}/${dumps[0]}`);
            assert.match(toc.out, /Format: CUSTOM/);
            assert.match(toc.out, /TABLE public items/);
        });

        it("comes back unchanged after a reboot: same cluster, data, configuration; still streaming", async () => {
            const p = w.primary;
            const snapshot = (vm: Vm) => vm.exec(`cat /etc/fstab; md5sum /etc/postgresql/15/main/pg_hba.conf /etc/postgresql/15/main/conf.d/*; sudo -u postgres psql -XAtq -c 'SELECT system_identifier FROM pg_control_system()'`).out;
            facts.primary = snapshot(p);
            facts.standby = snapshot(w.standby);
            p.restart();
            w.standby.restart();
            expectBooted(p, await p.waitBoot(2), w.secondBoot);
            expectBooted(w.standby, await w.standby.waitBoot(2), w.secondBoot);
            for (const vm of [p, w.standby]) await until(`${vm.spec.name} accepting connections`, () => vm.exec("pg_isready -q", true).code === 0 || undefined, 60_000);
            assert.equal(snapshot(p), facts.primary, "fstab, configuration or cluster identity changed on the primary");
            assert.equal(snapshot(w.standby), facts.standby, "fstab, configuration or cluster identity changed on the standby");
            assert.equal(p.psql("SELECT note FROM items WHERE id = 1", w.db), "first boot");
            const ok = clientSql(w, w.clientIp, p.spec.ip, "INSERT INTO items VALUES (2, 'second boot')");
            assert.equal(ok.code, 0, ok.err);
            await until("the second row on the standby", () => w.standby.psql("SELECT count(*) FROM items", w.db) === "2" || undefined, 60_000);
        });
    });
}
