import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, resolveStack } from "../../components/config";
import { cronProblem } from "../../components/config/cron";
import { readRawConfig } from "../../components/config/read";
import { imageProblem } from "../../components/config/references";
import { schedulesThatFire } from "../../policy/policies";
import { expectCase } from "../../policy/testing";
import { loadStackConfig } from "../../lib/stacks";

/** Bad input the validator used to let through (or explain badly): each must now fail with a sentence that says what to write. */
const local = { cloud: "local", placement: "docker" };

function problems(raw: unknown): string {
    try {
        resolveStack(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
    }
    assert.fail(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe("config: bad input that used to get through", () => {
    const cases: [string, unknown, RegExp[]][] = [
        ["an upper-case image", { ...local, image: "UPPER/Case:tag" }, [/dbplace:image is "UPPER\/Case:tag", which Docker and Kubernetes refuse as an image reference: "UPPER" is neither a registry host nor a lower-case repository name/]],
        ["a tag with no name", { ...local, exporterImage: ":latest" }, [/dbplace:exporterImage is ":latest", which Docker and Kubernetes refuse.*it has no repository name/]],
        ["an image with a space", { ...local, replicas: { kind: "baked", image: "registry.example.com/app baked:1" } }, [/dbplace:replicas.image is "registry\.example\.com\/app baked:1".*white space/]],
        ["a CIDR with host bits", { ...local, network: { allowedCidrs: ["10.1.2.3/8"] } }, [/dbplace:network.allowedCidrs.0 is "10\.1\.2\.3\/8": host bits are set for a \/8; the network is 10\.0\.0\.0\/8/]],
        ["a schedule that never fires", { ...local, backup: { schedule: "0 3 31 2 *" } }, [/dbplace:backup.schedule is "0 3 31 2 \*", not a valid cron schedule: it never fires: day 31 does not exist in FEB/]],
        ["a database with no value", { ...local, databases: { orders: null } }, [/dbplace:databases.orders has no value; give the entry its settings \(e\.g\. orders: \{ placement: managed \}\), or orders: \{\}/]],
        ["a YAML number as engineVersion", { ...local, databases: { orders: { engineVersion: 16 } } }, [/dbplace:databases.orders.engineVersion is the YAML number 16; quote it \(engineVersion: "16"\)/]],
        ["8.0 read as 8", { ...local, engine: "mysql", engineVersion: "8" }, [/dbplace:engineVersion is "8".*YAML reads an unquoted 8\.0 as the number 8: quote it, engineVersion: "8\.0"/]],
    ];
    for (const [title, raw, patterns] of cases) {
        it(`rejects ${title}`, () => {
            const message = problems(raw);
            for (const p of patterns) assert.match(message, p);
        });
    }

    it("accepts what those cases should have said", () => {
        const [db] = resolveStack({ ...local, image: "registry.example.com:5000/team/postgres:17@sha256:" + "a".repeat(64), network: { allowedCidrs: ["10.0.0.0/8", "192.168.1.7/32"] }, backup: { schedule: "0 3 29 2 *" } }).databases;
        assert.equal(db.backup.schedule, "0 3 29 2 *");
        for (const ok of ["postgres:17", "quay.io/prometheuscommunity/postgres-exporter:v0.17.1", "localhost/app", "europe-west1-docker.pkg.dev/p/r/app-baked:x"]) assert.equal(imageProblem(ok), undefined, ok);
        for (const ok of ["17 3 * * *", "0 0 31 */2 *", "0 3 31 2 1", "@daily"]) assert.equal(cronProblem(ok), undefined, ok);
    });

    it("names a near miss of the project's config namespace instead of ignoring it", () => {
        assert.throws(() => readRawConfig({ "dbplce:cloud": "aws", "aws:region": "eu-west-1" }, "dbplace"), /dbplce:cloud is in namespace "dbplce", which this program does not read; did you mean dbplace:cloud\?/);
        assert.deepEqual(readRawConfig({ "dbplace:cloud": "aws", "aws:region": "eu-west-1", "gcp:project": "p" }, "dbplace"), { cloud: "aws" });
    });

    it("says config: must be a map when a stack file gives a list", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-stack-"));
        try {
            fs.mkdirSync(path.join(root, "stacks"));
            fs.writeFileSync(path.join(root, "Pulumi.yaml"), "name: dbplace\nruntime: nodejs\nstackConfigDir: stacks\n");
            fs.writeFileSync(path.join(root, "stacks", "Pulumi.listy.yaml"), "config:\n  - dbplace:cloud: aws\n");
            assert.throws(() => loadStackConfig("listy", root), /config: is a list; it must be a map of key: value/);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe(`policy ${schedulesThatFire.name}`, () => {
    const cronJob = (schedule: string) => ({ type: "kubernetes:batch/v1:CronJob", props: { spec: { schedule } } });
    it("passes a daily dump", () => expectCase(schedulesThatFire, cronJob("17 3 * * *"), []));
    it("fails a dump on 31 February", () => expectCase(schedulesThatFire, cronJob("0 3 31 2 *"), [/CronJob schedule "0 3 31 2 \*" is not usable: it never fires/]));
});
