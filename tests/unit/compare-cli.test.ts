import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CliIo, main } from "../../lib/compare/cli";
import { listStacks } from "../../lib/stacks";
import { fakeProgram } from "../../lib/compare/testing/fake-program";
import { FAKE_STACKS, loadFakeConfig } from "../../lib/compare/testing/fixtures";

interface Result {
    code: number;
    out: string;
    err: string;
}

async function compare(argv: string[], opts: { env?: NodeJS.ProcessEnv; isTTY?: boolean; fake?: boolean } = {}): Promise<Result> {
    let out = "";
    let err = "";
    const io: CliIo = { write: (t) => void (out += t), error: (t) => void (err += t), isTTY: opts.isTTY ?? false, columns: 200, env: opts.env ?? {} };
    const hooks = opts.fake === false ? {} : { program: fakeProgram, loadConfig: loadFakeConfig, knownStacks: Object.keys(FAKE_STACKS) };
    const code = await main(argv, io, hooks);
    return { code, out, err };
}

const ESC = "\u001b[";
const noTrace = (r: Result) => assert.ok(!/\n\s+at .+\(/.test(r.err + r.out), `no stack trace expected:\n${r.err}`);

describe("compare CLI: arguments, exit codes and messages", () => {
    it("rejects unknown stacks with exit 2 and lists the known ones", async () => {
        const r = await compare(["dev", "staging"], { fake: false });
        assert.equal(r.code, 2);
        assert.ok(r.err.includes(`unknown stack "staging"; known stacks: ${listStacks().join(", ")}`), r.err);
        noTrace(r);
    });

    it("rejects an unknown option or format with exit 2", async () => {
        assert.equal((await compare(["--format", "pdf"])).code, 2);
        const r = await compare(["--colour"]);
        assert.equal(r.code, 2);
        assert.match(r.err, /Unknown option '--colour'/);
        noTrace(r);
    });

    it("still compares the valid stacks when one config is invalid, and exits 1", async () => {
        const r = await compare(["dev", "prod", "broken"]);
        assert.equal(r.code, 1);
        assert.match(r.out, /^\* placement\s+│ docker on local\s+│ managed on aws\s*$/m);
        assert.match(r.out.replace(/(\s|│)+/g, " "), /broken: NOT EVALUATED: Invalid configuration: dbplace:placement is "vm"/);
        assert.match(r.err, /1 of 3 stacks could not be evaluated: broken \(invalid config\)/);
        noTrace(r);
    });

    it("exits 3 naming the file when the price table cannot be read", async () => {
        const r = await compare(["dev", "--prices", "/nonexistent/prices.json"]);
        assert.equal(r.code, 3);
        assert.match(r.err, /cannot read the price table .*prices.json: no such file/);
        noTrace(r);
    });

    it("fits 120 columns and marks differing rows without colour", async () => {
        const r = await compare(["dev", "prod"]);
        assert.equal(r.code, 0);
        assert.ok(!r.out.includes(ESC), "no escape codes when not a TTY");
        const long = r.out.split("\n").filter((l) => [...l].length > 120 && !/^(Sources|Not included|Est\.)/.test(l));
        assert.deepEqual(long, []);
        assert.match(r.out, /^\* placement/m);
        assert.doesNotMatch(r.out, /^ {2}engine/m, "identical rows only with --all");
        assert.match((await compare(["dev", "prod", "--all"])).out, /^ {2}engine\s+│ postgres 17\s+│ postgres 17$/m);
    });

    it("two stacks: a two-column diff per database, one that only one stack has as a paragraph, costs and their difference", async () => {
        const r = await compare(["dev", "prod"]);
        assert.match(r.out, /^app {2}in every stack$/m);
        assert.match(r.out, /^ {18}│ dev\s+│ prod$/m);
        assert.match(r.out, /^billing {2}in 1 of 2: prod\n {2}placement: managed on aws · engine: postgres 17/m);
        assert.match(r.out, /^ {2}dev: 1 db, 5 resources; \$0\.00$/m);
        assert.match(r.out, /^ {2}prod: 2 dbs, 9 resources; \$345\.66 \(\+\$345\.66 vs dev\)$/m);
        assert.doesNotMatch(r.out, /Only in some stacks/);
        assert.match((await compare(["dev", "prod", "--resources"])).out, /Only in some stacks/);
    });

    it("fits COLUMNS when piped, and never splits a word", async () => {
        const r = await compare(["dev", "prod"], { env: { COLUMNS: "80" } });
        const lines = r.out.split("\n");
        assert.deepEqual(lines.filter((l) => [...l].length > 80), []);
        assert.ok(lines.some((l) => [...l].length > 70), "uses the width it has");
    });

    it("colours on a TTY, but not with NO_COLOR or --no-color", async () => {
        assert.ok((await compare(["dev", "prod"], { isTTY: true })).out.includes(ESC));
        assert.ok(!(await compare(["dev", "prod"], { isTTY: true, env: { NO_COLOR: "1" } })).out.includes(ESC));
        assert.ok(!(await compare(["dev", "prod", "--no-color"], { isTTY: true })).out.includes(ESC));
    });

    it("--hide-identical drops rows that are the same everywhere", async () => {
        const r = await compare(["dev", "prod", "--hide-identical", "--format", "json"]);
        const doc = JSON.parse(r.out);
        assert.ok(doc.summary.length > 0);
        assert.ok(doc.summary.every((row: { differs: boolean }) => row.differs));
    });

    it("writes --out files in every format", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "compare-"));
        for (const format of ["terminal", "markdown", "json", "html"]) {
            const file = path.join(dir, `out.${format}`);
            const r = await compare(["dev", "prod", "--format", format, "--out", file]);
            assert.equal(r.code, 0);
            assert.equal(r.out, "");
            assert.ok(fs.statSync(file).size > 500, `${format} written`);
        }
        assert.match(fs.readFileSync(path.join(dir, "out.markdown"), "utf8"), /\| \*\*placement\*\* \| \*\*docker on local\*\* \| \*\*managed on aws\*\* \|/);
    });

    it("--help prints usage and exits 0", async () => {
        const r = await compare(["--help"]);
        assert.equal(r.code, 0);
        assert.match(r.out, /Usage: npm run compare/);
    });
});

describe("compare CLI: --preview", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
    const plan = {
        steps: [
            { op: "create", urn: "urn:pulumi:dev::dbplace::pulumi:pulumi:Stack::dbplace-dev", newState: { type: "pulumi:pulumi:Stack", urn: "urn:pulumi:dev::dbplace::pulumi:pulumi:Stack::dbplace-dev", custom: false } },
            { op: "create", urn: "u1", newState: { type: "dbplace:index:Database", urn: "urn:pulumi:dev::dbplace::dbplace:index:Database::app", custom: false } },
            {
                op: "create",
                urn: "u2",
                newState: {
                    type: "docker:index/container:Container",
                    urn: "urn:pulumi:dev::dbplace::dbplace:index:Database$docker:index/container:Container::app-master",
                    custom: true,
                    parent: "urn:pulumi:dev::dbplace::dbplace:index:Database::app",
                    inputs: { image: "postgres:15", envs: ["[secret]"], ports: [{ internal: 5432, ip: "127.0.0.1" }] },
                    protect: false,
                },
            },
            { op: "delete", urn: "u3" },
        ],
    };

    before(() => {
        fs.writeFileSync(path.join(dir, "plan.json"), JSON.stringify(plan));
        fs.writeFileSync(
            path.join(dir, "pulumi"),
            `#!/bin/sh\ncase "$1" in\n  whoami) echo tester ;;\n  preview) case "$*" in *"--stack cluster"*) echo '{"diagnostics":[{"severity":"error","message":"boom: no kubeconfig"}]}'; exit 255 ;; esac; cat "${dir}/plan.json" ;;\nesac\n`,
            { mode: 0o755 },
        );
    });

    it("says clearly when there is no pulumi CLI, and exits 3", async () => {
        const r = await compare(["dev", "--preview"], { fake: false, env: { PATH: "/nonexistent" } });
        assert.equal(r.code, 3);
        assert.match(r.err, /--preview needs the pulumi CLI on PATH, and none was found/);
        noTrace(r);
    });

    it("compares preview plans: newState type, urn, parent and inputs; failed previews become error columns", async () => {
        const r = await compare(["dev", "cluster", "--preview", "--format", "json"], { fake: false, env: { PATH: `${dir}:${process.env.PATH}` } });
        assert.equal(r.code, 1);
        const doc = JSON.parse(r.out);
        assert.equal(doc.source, "preview");
        assert.deepEqual(doc.stacks.map((s: { status: string }) => s.status), ["ok", "error"]);
        assert.match(doc.stacks[1].error, /boom: no kubeconfig/);
        const row = doc.summary.find((x: { key: string }) => x.key === "app/resources");
        assert.equal(row.values.dev, "1");
        assert.equal(doc.summary.find((x: { key: string }) => x.key === "app/clients").values.dev, "this host (127.0.0.1)");
    });
});
