import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { Lab } from "./support/lab";
import { MysqlWorld, awsMysql, gcpMysql } from "./support/mysql";

/**
 * The MySQL VM boot scripts the program generates, run for real on Debian 12 with MariaDB 10.11 in
 * MySQL 8's place (Debian has no MySQL 8; see components/vm/mysql-common.ts for the lines that only
 * MySQL 8 runs, which this tier does not verify): the script completes under `set -e`, the server
 * listens on loopback and the private address only, the application user connects with verified TLS
 * from an allowed address and is refused in cleartext (and, on GCP, from outside the allow-list), root
 * cannot log in over the network, the data lives on the data disk, the dump lands in the bucket, and a
 * reboot serves the same data again.
 */
const lab = new Lab();
after(function () {
    this.timeout(120_000);
    lab.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** The mariadb client in a container of the run, as `fromIp`; `tls`: verify (with the server's certificate), on, off. */
function client(w: MysqlWorld, fromIp: string, sql: string, opts: { user?: string; password?: string; tls?: "verify" | "on" | "off"; ca?: string } = {}) {
    const tls = opts.tls ?? "verify";
    const flags = tls === "off" ? "--skip-ssl" : tls === "on" ? "--ssl" : "--ssl --ssl-ca=/tmp/ca.crt --ssl-verify-server-cert";
    const ca = opts.ca ? `printf '%s' ${q(opts.ca)} > /tmp/ca.crt\n` : "";
    return lab.client(w.network, fromIp,
        `${ca}MYSQL_PWD=${q(opts.password ?? w.app.password)} mariadb --connect-timeout=10 -h ${w.vm.spec.ip} -u ${opts.user ?? w.app.user} ${flags} -N -B ${w.db} -e ${q(sql)}`, true);
}

function expectBooted(w: MysqlWorld, line: string, expected: RegExp) {
    assert.match(line, expected, `${w.vm.spec.name}: the boot script failed; its output ends:\n${w.vm.output().slice(-4000)}`);
}

for (const [cloud, make] of [["aws", awsMysql], ["gcp", gcpMysql]] as const) {
    describe(`${cloud}: a MySQL VM from the program's boot script (MariaDB 10.11 standing in for MySQL 8)`, function () {
        this.timeout(600_000);
        let w: MysqlWorld;
        let ca = "";

        before(async () => {
            w = await make(lab);
            expectBooted(w, await w.vm.waitBoot(1), /^boot 1 rc 0$/);
            ca = w.vm.exec(`cat "$(mysql -N -B -e 'SELECT @@ssl_cert')"`).out;
        });

        it("installed the stand-in the way the script asked, and keeps the data on the data disk", () => {
            if (cloud === "aws") assert.ok(w.vm.calls().some((c) => /stand-in mysql-server-8\.0: mariadb-server/.test(c)), "the script's mysql-server install");
            const datadir = w.vm.exec("mysql -N -B -e 'SELECT @@datadir'").out.trim();
            assert.equal(datadir.replace(/\/$/, ""), cloud === "aws" ? "/var/lib/mysql" : "/var/lib/dbplace/mysql");
            const source = w.vm.exec(`findmnt -n -o SOURCE --target ${datadir}`).out;
            assert.match(source, /^\/dev\/(nvme1n1|sdb)/, `the data directory is on ${source}, not the data disk`);
            assert.equal(w.vm.exec(`test -d ${datadir}/${w.db} && echo yes`).out.trim(), "yes");
        });

        it("listens on 3306 at loopback and the private address only (no socket activation on every address)", () => {
            const listeners = w.vm.exec("ss -ltnH | awk '{print $4}' | sort").out.trim().split("\n");
            const mysqld = listeners.filter((l) => /:(3306|33060)$/.test(l));
            assert.deepEqual(mysqld, ["127.0.0.1:3306", `${w.vm.spec.ip}:3306`].sort(), `listeners: ${listeners.join(", ")}`);
        });

        it("admits the application user over verified TLS from an allowed address; refuses cleartext and outsiders", () => {
            const ok = client(w, w.clientIp, "SHOW SESSION STATUS LIKE 'Ssl_version'", { ca });
            assert.equal(ok.code, 0, ok.err);
            assert.match(ok.out, /Ssl_version\s+TLSv1\.[23]/);
            const plain = client(w, w.clientIp, "SELECT 1", { tls: "off" });
            assert.notEqual(plain.code, 0, "a cleartext connection must be refused");
            assert.match(plain.err, /insecure transport|Access denied/);
            // The same server under a name its certificate does not carry: verification must fail.
            const wrongName = lab.client(w.network, w.clientIp,
                `printf '%s' ${q(ca)} > /tmp/ca.crt; MYSQL_PWD=${q(w.app.password)} mariadb --connect-timeout=10 -h other-name.internal -u ${w.app.user} --ssl --ssl-ca=/tmp/ca.crt --ssl-verify-server-cert ${w.db} -e 'SELECT 1'`,
                true, { "other-name.internal": w.vm.spec.ip });
            assert.notEqual(wrongName.code, 0, "a certificate check against another name must fail");
            assert.match(wrongName.err, /certificate|SSL/i);
            if (w.outsiderIp) {
                const outsider = client(w, w.outsiderIp, "SELECT 1", { ca });
                assert.notEqual(outsider.code, 0, "an address outside the allow-list must be refused");
                assert.match(outsider.err, /is not allowed to connect|Access denied/);
            }
        });

        it("refuses root over the network (also from the VM itself); root works over the socket only", () => {
            for (const password of ["", w.app.password]) {
                const r = client(w, w.clientIp, "SELECT 1", { user: "root", password, ca });
                assert.notEqual(r.code, 0, "root logged in over the network");
            }
            for (const host of ["127.0.0.1", w.vm.spec.ip]) {
                const local = w.vm.exec(`mysql -h ${host} --protocol=tcp --ssl -uroot -N -B -e 'SELECT 1'`, true);
                assert.notEqual(local.code, 0, `root logged in over TCP to ${host} from the VM itself`);
                assert.match(local.err, /Access denied|is not allowed to connect/);
            }
            assert.equal(w.vm.exec("mysql -uroot -N -B -e 'SELECT 1'").out.trim(), "1");
            const rootHosts = w.vm.exec("mysql -N -B -e \"SELECT host FROM mysql.user WHERE user = 'root' OR user = ''\"").out.trim();
            assert.equal(rootHosts, "localhost", "root exists at localhost only, and no anonymous user");
        });

        if (cloud === "gcp") {
            it("lets the Ops Agent's monitoring user in where its configuration points (the socket), and not over cleartext TCP", () => {
                const config = w.vm.exec("cat /etc/google-cloud-ops-agent/config.yaml").out;
                const endpoint = /^\s+endpoint: (\S+)$/m.exec(config)?.[1] ?? "";
                const password = /^\s+password: "([^"]+)"$/m.exec(config)?.[1] ?? "";
                assert.match(endpoint, /^\//, `the receiver's endpoint: ${endpoint}`);
                const ok = w.vm.exec(`MYSQL_PWD=${q(password)} mysql --socket=${endpoint} -u opsagent -N -B -e 'SELECT COUNT(*) > 0 FROM information_schema.GLOBAL_STATUS'`, true);
                assert.equal(ok.code, 0, ok.err);
                const tcp = w.vm.exec(`MYSQL_PWD=${q(password)} mysql -h 127.0.0.1 --protocol=tcp --skip-ssl -u opsagent -e 'SELECT 1'`, true);
                assert.notEqual(tcp.code, 0, "cleartext TCP from loopback was admitted");
            });
        }

        it("writes and the scheduled dump puts the data in the bucket", () => {
            const ok = client(w, w.clientIp, "CREATE TABLE items (id int PRIMARY KEY, note text); INSERT INTO items VALUES (1, 'first boot')", { ca });
            assert.equal(ok.code, 0, ok.err);
            const cron = w.vm.exec("cat /etc/cron.d/dbplace-dump").out;
            const line = cron.split("\n").find((l) => /^\S+ \S+ \S+ \S+ \S+ root /.test(l));
            assert.ok(line, `no crontab line in:\n${cron}`);
            const command = line.split(/\s+/).slice(6).join(" ");
            const env = cron.split("\n").filter((l) => /^[A-Z_]+=/.test(l));
            w.vm.exec(`env -i PATH=/usr/bin:/bin SHELL=/bin/sh HOME=/root LOGNAME=root ${env.join(" ")} /bin/sh -c ${q(command)}`);
            const dir = path.join(lab.buckets, w.dumpDir);
            const dumps = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d{8}T\d{6}Z\.sql(\.gz)?$/.test(f)) : [];
            assert.equal(dumps.length, 1, `one timestamped dump in ${w.dumpDir}: ${w.vm.exec("cat /var/log/dbplace-dump.log; journalctl -t dbplace-dump --no-pager", true).out}`);
            const file = `/buckets/${w.dumpDir}/${dumps[0]}`;
            const text = lab.client(w.network, w.clientIp, `${file.endsWith(".gz") ? "zcat" : "cat"} ${file}`).out;
            assert.match(text, /CREATE TABLE `items`/);
            assert.match(text, /first boot/);
        });

        it("serves the same data again after a reboot", async () => {
            const before = w.vm.exec("cat /etc/fstab; md5sum /etc/mysql/*.conf.d/zz-dbplace*.cnf").out;
            w.vm.restart();
            expectBooted(w, await w.vm.waitBoot(2), w.secondBoot);
            const end = Date.now() + 60_000;
            while (w.vm.exec("mysqladmin ping --silent", true).code !== 0) {
                if (Date.now() > end) throw new Error(`the server is not up after the reboot: ${w.vm.exec("systemctl status mariadb --no-pager", true).out}`);
                await sleep(1000);
            }
            assert.equal(w.vm.exec("cat /etc/fstab; md5sum /etc/mysql/*.conf.d/zz-dbplace*.cnf").out, before);
            const r = client(w, w.clientIp, "SELECT note FROM items WHERE id = 1", { ca });
            assert.equal(r.code, 0, r.err);
            assert.equal(r.out.trim(), "first boot");
        });
    });
}
