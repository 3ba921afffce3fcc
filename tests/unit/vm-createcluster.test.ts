import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runProgram } from "../../lib/mock-runner";
import { one } from "../helpers/resources";
import { runAws } from "./aws-harness";

/**
 * The boot scripts' createcluster.conf lines, run for real against this machine's postgresql-common:
 * the lines are cut out of the scripts the program renders, pointed at a temp directory, executed
 * with bash, then postgresql-common's own tools decide (pg_conftool is what the package's postinst
 * asks; pg_createcluster builds the cluster the script then writes conf.d/ into).
 */
const SHIPPED = "/usr/share/postgresql-common/createcluster.conf";
const tools = ["/usr/bin/pg_conftool", "/usr/bin/pg_createcluster", SHIPPED].every(existsSync) && process.getuid?.() === 0;
const version = tools ? execFileSync("ls", ["/usr/lib/postgresql"]).toString().trim().split("\n").sort().pop()! : "";

async function awsScript(): Promise<string> {
    const run = await runAws({ placement: "vm", engineVersion: "16" });
    return String(one(run, "aws:ec2/instance:Instance", "app-primary-instance").inputs.userData);
}
async function gcpScript(): Promise<string> {
    const run = await runProgram({ stack: "test", config: { "gcp:project": "acme-test", "gcp:region": "europe-west1", cloud: "gcp", placement: "vm" } });
    return String(one(run, "gcp:compute/instance:Instance", "app-primary").inputs.metadata["startup-script"]);
}

/** Runs the script's /etc/postgresql-common lines in `dir`, which holds the package's shipped createcluster.conf. */
function runFragment(script: string, dir: string): void {
    const lines = script.split("\n").filter((l) => l.includes("/etc/postgresql-common")).map((l) => l.trim());
    assert.ok(lines.length > 0, "the script has no createcluster lines");
    execFileSync("bash", ["-euo", "pipefail", "-c", lines.join("\n").replaceAll("/etc/postgresql-common", dir)]);
}

describe("VM boot scripts: postgresql-common createcluster.conf (run for real)", function () {
    before(function () {
        if (!tools) this.skip();
    });
    for (const [cloud, render] of [["aws", awsScript], ["gcp", gcpScript]] as const) {
        it(`${cloud}: the package creates no default cluster, and pg_createcluster still makes conf.d`, async () => {
            const script = await render();
            assert.doesNotMatch(script, />\s*\/etc\/postgresql-common\/createcluster\.conf/, "the script overwrites createcluster.conf");
            const tmp = mkdtempSync(join(tmpdir(), "dbplace-createcluster-"));
            try {
                const common = join(tmp, "common");
                execFileSync("install", ["-d", common]);
                const shipped = readFileSync(SHIPPED, "utf8").replaceAll("/etc/postgresql-common", common);
                writeFileSync(join(common, "createcluster.conf"), shipped);
                runFragment(script, common);

                assert.equal(readFileSync(join(common, "createcluster.conf"), "utf8"), shipped, "the shipped file must stay untouched");
                // What maintscripts-functions' configure_version runs before creating "main".
                const create = execFileSync("pg_conftool", [join(common, "createcluster.conf"), "show", "-bs", "create_main_cluster"]).toString().trim();
                assert.equal(create, "off");

                execFileSync("install", ["-d", "-o", "postgres", "-g", "postgres", join(tmp, "data"), join(tmp, "etc")]);
                execFileSync("chmod", ["755", tmp]);
                execFileSync("pg_createcluster", [version, "dbplacetest", "-d", join(tmp, "data", "main"), "-l", join(tmp, "pg.log"), "-p", "54329"], {
                    env: { ...process.env, PGSYSCONFDIR: common, PG_CLUSTER_CONF_ROOT: join(tmp, "etc") },
                    stdio: "pipe",
                });
                assert.ok(existsSync(join(tmp, "etc", version, "dbplacetest", "conf.d")), "pg_createcluster made no conf.d");
                assert.match(readFileSync(join(tmp, "etc", version, "dbplacetest", "postgresql.conf"), "utf8"), /^include_dir = 'conf\.d'/m);
            } finally {
                rmSync(tmp, { recursive: true, force: true });
            }
        });
    }
});

describe("VM boot scripts parse (bash -n, run for real)", () => {
    const cases: [string, () => Promise<string[]>][] = [
        ["aws postgres primary + standby", async () => {
            const run = await runAws({ placement: "vm", highAvailability: true, backup: { destination: "s3://acme-dumps/db" } });
            return ["app-primary-instance", "app-standby-0-instance"].map((n) => String(one(run, "aws:ec2/instance:Instance", n).inputs.userData));
        }],
        ["aws mysql primary", async () => {
            const run = await runAws({ placement: "vm", engine: "mysql", engineVersion: "8.0" });
            return [String(one(run, "aws:ec2/instance:Instance", "app-primary-instance").inputs.userData)];
        }],
        ...(["postgres", "mysql"] as const).map((engine): [string, () => Promise<string[]>] => [`gcp ${engine} primary + standby`, async () => {
            const run = await runProgram({ stack: "test", config: { "gcp:project": "acme-test", "gcp:region": "europe-west1", cloud: "gcp", placement: "vm", engine, highAvailability: true } });
            return ["app-primary", "app-standby-0"].map((n) => String(one(run, "gcp:compute/instance:Instance", n).inputs.metadata["startup-script"]));
        }]),
    ];
    for (const [what, scripts] of cases) {
        it(what, async () => {
            for (const script of await scripts()) execFileSync("bash", ["-n"], { input: script });
        });
    }
});
