import * as assert from "node:assert/strict";
import { BAKED } from "../../components/bake";
import { BakedHost, bakedHost, bakedProgram } from "./support/baked";
import { Lab } from "./support/lab";

/**
 * The baked-replica hosts' boot scripts the program generates (AWS user data, GCP startup script), run
 * for real: a Debian 12 VM with its own dockerd fetches the server certificate through the fake
 * cloud's secret CLI, logs in to and pulls from a registry answering under the cloud registry's name,
 * and serves the baked data over TLS to a client that verifies the certificate with the contract's CA.
 */
const lab = new Lab();
after(function () {
    this.timeout(120_000);
    lab.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** psql from the application side with the contract's CA, as a client of the read endpoint would. */
function readSql(h: BakedHost, sql: string, opts: { sslmode?: string; host?: string } = {}) {
    const conn = `host=${opts.host ?? h.readHost} port=${BAKED.port} dbname=${h.reader.database} user=${h.reader.user} sslmode=${opts.sslmode ?? "verify-full"} sslrootcert=/tmp/ca.crt connect_timeout=10`;
    const script = `cat > /tmp/ca.crt <<'PEM'\n${h.caCert}\nPEM\nPGPASSWORD='${h.reader.password}' psql -XAtq -v ON_ERROR_STOP=1 "${conn}" -c "${sql}"`;
    // The read name resolves to the host, as the NLB / internal load balancer's address would.
    return h.vm.lab.client(h.network, h.clientIp, script, true, { [h.readHost]: h.vm.spec.ip });
}

async function serving(h: BakedHost, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const r = readSql(h, "SELECT 1");
        if (r.code === 0) return;
        if (Date.now() > end) throw new Error(`${h.cloud}: the replica never served over TLS: ${r.err}\n${h.vm.exec("docker logs --tail 20 $(docker ps -aq | head -1) 2>&1", true).out}`);
        await sleep(2000);
    }
}

/**
 * Both clouds' hosts boot side by side (most of a boot is the VM's dockerd pulling the image); the
 * program runs come first, one at a time.
 */
let booting: Promise<Record<"aws" | "gcp", Promise<BakedHost>>> | undefined;
function bootBoth(): Promise<Record<"aws" | "gcp", Promise<BakedHost>>> {
    booting ??= (async () => {
        const runs = { aws: await bakedProgram("aws"), gcp: await bakedProgram("gcp") };
        const ready = async (h: BakedHost) => {
            const line = await h.vm.waitBoot(1, 600_000);
            assert.match(line, /^boot 1 rc 0$/, `${h.cloud}: the boot script failed; its output ends:\n${h.vm.output().slice(-4000)}`);
            await serving(h);
            return h;
        };
        const aws = bakedHost(lab, "aws", runs.aws).then(ready);
        const gcp = bakedHost(lab, "gcp", runs.gcp).then(ready);
        // Each suite awaits its own; neither failure goes unhandled while the other is awaited.
        aws.catch(() => undefined);
        gcp.catch(() => undefined);
        return { aws, gcp };
    })();
    return booting;
}

for (const cloud of ["aws", "gcp"] as const) {
    describe(`${cloud}: baked-replica host from the program's boot script`, function () {
        this.timeout(900_000);
        let h: BakedHost;
        const container = cloud === "aws" ? "baked-replica" : "dbplace-replica";

        before(async () => {
            h = await (await bootBoth())[cloud];
        });

        it("fetches the certificate through the cloud's secret CLI and runs the image with it mounted read-only, TLS required", () => {
            const calls = h.vm.calls().join("\n");
            assert.match(calls, cloud === "aws" ? /^aws\tsecretsmanager get-secret-value --region eu-west-1 --secret-id \S+ --query SecretString --output text$/m : /^gcloud\tsecrets versions access latest --secret=\S+$/m);
            if (cloud === "aws") assert.match(calls, /^aws\tecr get-login-password --region eu-west-1$/m);
            const inspect = JSON.parse(h.vm.exec(`docker inspect ${container}`).out)[0];
            assert.deepEqual(inspect.Mounts.map((m: { Destination: string; RW: boolean }) => [m.Destination, m.RW]), [["/etc/dbplace/secrets", false]], "only the certificate is mounted, read-only");
            assert.ok(inspect.Config.Env.includes("DBPLACE_TLS=required"));
            assert.equal(inspect.HostConfig.RestartPolicy.Name, "always");
            assert.equal(h.vm.exec("stat -c '%a %U' /etc/dbplace/tls/server.key").out.trim(), "600 root", "the key on the host is root's alone");
            assert.equal(h.vm.exec(`docker exec ${container} sh -c 'grep -rl "PRIVATE KEY" /var/lib/postgresql /usr/local/bin 2>/dev/null || true'`).out.trim(), "", "no key in the image");
        });

        it("serves the baked data over TLS to a client that verifies the read name with the contract's CA", () => {
            const r = readSql(h, "SELECT count(*) > 0 FROM products; SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            assert.equal(r.code, 0, r.err);
            assert.deepEqual(r.out.trim().split("\n"), ["t", "t"]);
            const write = readSql(h, "CREATE TABLE x (i int)");
            assert.match(write.err, /read-only/);
        });

        it("refuses a client without TLS, and a certificate check against a name it does not cover", () => {
            const plain = readSql(h, "SELECT 1", { sslmode: "disable" });
            assert.notEqual(plain.code, 0);
            assert.match(plain.err, /no pg_hba\.conf entry .* no encryption/);
            const byAddress = readSql(h, "SELECT 1", { host: h.vm.spec.ip });
            assert.notEqual(byAddress.code, 0);
            assert.match(byAddress.err, /does not match host name|server certificate for/);
        });

        it("reports the age of the data it serves", () => {
            if (cloud === "aws") {
                h.vm.exec("/usr/local/bin/dbplace-report-age");
                assert.match(h.vm.calls().join("\n"), /^aws\tcloudwatch put-metric-data .*--metric-name BakedReplicaAgeSeconds .*--value \d+$/m);
            } else {
                // The probe line of the timer's script (the POST goes to the Monitoring API, out of reach here).
                const probe = /^age=\$\((docker exec [^\n]+)\)$/m.exec(h.vm.exec("cat /usr/local/bin/dbplace-report-age").out)![1];
                assert.match(h.vm.exec(probe).out.trim(), /^\d+$/);
                assert.equal(h.vm.exec("systemctl is-enabled dbplace-age.timer").out.trim(), "enabled");
            }
        });

        it("serves again after a reboot, with the certificate it fetched", async () => {
            h.vm.restart();
            assert.match(await h.vm.waitBoot(2, 600_000), h.secondBoot, h.vm.output().slice(-3000));
            await serving(h);
            const r = readSql(h, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
            assert.equal(r.out.trim(), "t", r.err);
        });
    });
}
