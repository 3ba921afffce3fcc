import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram } from "../../lib/mock-runner";
import { flavourLines, mysqlHost, mysqlOnlyOptionLines, startLines } from "../../components/vm/mysql-common";

/**
 * The MySQL VM scripts' fixes from booting them (tests/vm/mysql-boot.vm.ts does the boot): what the
 * rendered scripts must hold, and the flavour-dependent lines run for real in bash.
 */
const database = { placement: "vm", engine: "mysql", engineVersion: "8.0", backup: { schedule: "0 3 * * *" } };

async function awsScript(): Promise<string> {
    const run = await runProgram({ stack: "test", config: { "aws:region": "eu-west-1", "dbplace:cloud": "aws", "dbplace:network": { allowedCidrs: ["10.100.0.0/16"] }, "dbplace:databases": { shop: database } } });
    return String(run.resources.find((r) => r.custom && r.type === "aws:ec2/instance:Instance")!.inputs.userData);
}
async function gcpScript(): Promise<string> {
    const run = await runProgram({ stack: "test", config: { "gcp:project": "acme-test", "gcp:region": "europe-west1", "dbplace:cloud": "gcp", "dbplace:network": { allowedCidrs: ["10.30.8.0/24"] }, "dbplace:databases": { shop: database } } });
    return String(run.resources.find((r) => r.custom && r.type === "gcp:compute/instance:Instance")!.inputs.metadata["startup-script"]);
}

describe("MySQL VM boot scripts: what a real boot required", () => {
    for (const [cloud, render] of [["aws", awsScript], ["gcp", gcpScript]] as const) {
        describe(cloud, () => {
            let script = "";
            before(async () => {
                script = await render();
            });

            it("is valid bash", () => {
                execFileSync("bash", ["-n"], { input: script });
            });

            it("writes its configuration where the installed server reads it, not to MySQL's directory by name", () => {
                assert.match(script, /cat > "\$MYSQL_CNF_DIR\/zz-dbplace\.cnf"/);
                assert.doesNotMatch(script, /> \/etc\/mysql\/mysql\.conf\.d\//);
            });

            it("serves TLS with a certificate naming the private address, and requires it", () => {
                assert.match(script, /subjectAltName=IP:\$PRIVATE_IP/);
                assert.match(script, /ssl_cert = \S+\/dbplace-server\.crt/);
                assert.match(script, /require_secure_transport = ON/);
            });

            it("binds loopback and the private address, and switches off MariaDB's socket activation on every address", () => {
                assert.match(script, /bind-address = 127\.0\.0\.1,\$\{?PRIVATE_IP\}?/);
                assert.match(script, /systemctl disable --now mariadb\.socket/);
            });

            it("leaves root socket-only and drops root at network hosts and anonymous users", () => {
                assert.match(script, /DROP USER IF EXISTS ''@'localhost', ''@'\$\(hostname\)', 'root'@'127\.0\.0\.1', 'root'@'::1', 'root'@'%'/);
                assert.match(script, /IDENTIFIED VIA unix_socket/);
            });

            it("names client hosts as address/netmask (CIDR lengths are MySQL 8.0.23+ only; MariaDB never matches them)", () => {
                const hosts = [...script.matchAll(/CREATE USER IF NOT EXISTS '\w+'@'([^']+)'/g)].map((m) => m[1]);
                assert.ok(hosts.length > 0);
                for (const h of hosts) assert.match(h, /^(localhost|\d+\.\d+\.\d+\.\d+\/\d+\.\d+\.\d+\.\d+)$/, h);
            });

            it("initialises a data directory without a system schema on the data disk, outside the package install", () => {
                assert.match(script, /if \[ ! -d "(\/var\/lib\/mysql|\$DATA\/mysql)\/mysql" \]; then/);
                assert.match(script, /mariadb-install-db --user=mysql/);
            });
        });
    }

    it("gcp: MySQL-8-only options, privileges and dump flags only reach a MySQL server", async () => {
        const script = await gcpScript();
        const unguarded = script.split("\n").filter((l) => /gtid_mode|enforce_gtid_consistency|BACKUP_ADMIN|set-gtid-purged/.test(l) && !/MYSQL_FLAVOR|mariadbd|zz-dbplace-mysql8\.cnf/.test(l));
        assert.deepEqual(unguarded, []);
        assert.doesNotMatch(script, /'dbadmin'@'10\.30\.8\.0\/24'/);
    });

    it("gcp: the Ops Agent reads MySQL over the socket (require_secure_transport refuses cleartext TCP, loopback included)", async () => {
        const script = await gcpScript();
        assert.match(script, /type: mysql\n\s+endpoint: \/run\/mysqld\/mysqld\.sock\n/);
    });

    it("mysqlHost turns prefix lengths into netmasks", () => {
        assert.equal(mysqlHost("10.30.8.0/24"), "10.30.8.0/255.255.255.0");
        assert.equal(mysqlHost("10.0.0.0/9"), "10.0.0.0/255.128.0.0");
        assert.equal(mysqlHost("10.1.2.3/32"), "10.1.2.3/255.255.255.255");
    });

    it("the flavour lines, run in bash: MySQL-8-only options are written for mysql only", () => {
        const dir = mkdtempSync(join(tmpdir(), "dbplace-mysql-flavour-"));
        try {
            const run = (mariadbd: boolean) => {
                const fragment = [...flavourLines(), ...mysqlOnlyOptionLines(["gtid_mode = ON"])].join("\n")
                    .replaceAll("/usr/sbin/mariadbd", mariadbd ? "/bin/sh" : join(dir, "absent"))
                    .replaceAll("/etc/mysql", join(dir, "etc"));
                return execFileSync("bash", ["-euo", "pipefail", "-c", `${fragment}\necho "$MYSQL_FLAVOR $MYSQL_SVC $MYSQL_CNF_DIR"`]).toString().trim();
            };
            assert.equal(run(false), `mysql mysql ${join(dir, "etc")}/mysql.conf.d`);
            const written = readFileSync(join(dir, "etc", "mysql.conf.d", "zz-dbplace-mysql8.cnf"), "utf8");
            assert.equal(written, "[mysqld]\nmysqlx = OFF\ngtid_mode = ON\n");
            assert.equal(run(true), `mariadb mariadb ${join(dir, "etc")}/mariadb.conf.d`);
            assert.equal(existsSync(join(dir, "etc", "mariadb.conf.d", "zz-dbplace-mysql8.cnf")), false);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the start lines enable the server's own unit (Debian's mariadb.service has mysql.service only as an alias)", () => {
        assert.deepEqual(startLines().filter((l) => l.includes("enable")).length, 1);
        assert.match(startLines()[0], /systemctl enable "\$MYSQL_SVC"/);
    });
});
