// Docker tier: the PrometheusRules the program renders, checked by promtool (built from Go modules) and
// exercised with `promtool test rules` on series whose names and labels come from the real exporter
// (postgres_exporter 0.17.1 with the program's own custom queries) scraped next to a real PostgreSQL
// primary and a real baked replica. A rule that selects a metric or label the exporter does not emit,
// or whose threshold is off, fails here.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { BAKED, bake, scramVerifier } from "../../components/bake";
import { docker } from "../../components/bake/docker";
import { AGE_QUERIES } from "../../components/cluster/baked";
import { exporterContainer, ExporterQuery, exporterQueriesData, REPLICATION_QUERIES } from "../../components/cluster/pod";
import { resolveStack } from "../../components/config";
import { DatabaseSpec } from "../../components/config/validate";
import { listStacks } from "../../lib/stacks";
import {
    BASE_IMAGE, LABEL, REPO_ROOT, RUN_ID, ensureDockerAndBaseImage, removeImages, startContainer, startWithFiles, tempDir, waitExec,
} from "./support/env";
import {
    ensurePromtool, groupingLabels, parseExposition, promtool, RenderedPrometheusRule, RenderedStack, renderStack, Sample, selectors, standaloneClaims, workloads,
} from "./support/prometheus";
import { EVAL_TIME, ExporterTemplates, healthyWorld, INTERVAL, scenarios, Series } from "./support/rule-world";
import { bakedContainer, makeSecrets } from "./support/secure";

const EXPORTER_IMAGE = "dbplace/postgres-exporter:0.17.1";
const REPO = "dbplace-e2e/rules";
const DB = "app";
const PASSWORD = "rules-secret";
const READER_PW = "rules-reader";
// mysqld_exporter is not built on this machine, so its two series are declared from its collectors
// (collector/exporter.go `mysql_up`, collector/global_status.go `mysql_global_status_threads_connected`),
// both without labels; the postgres ones all come from a real scrape.
const MYSQL: Sample[] = [{ name: "mysql_up", labels: {}, value: 1 }, { name: "mysql_global_status_threads_connected", labels: {}, value: 3 }];

/**
 * Runs the exporter container the program puts next to a server, in that server's network namespace (as
 * a pod's containers share one), with the pod spec's environment and its queries ConfigMap mounted where
 * the spec mounts it.
 */
async function runExporter(name: string, next: string, work: string, spec: DatabaseSpec, port: number, username: string, password: string, queries: Record<string, ExporterQuery>): Promise<void> {
    const c = exporterContainer({ spec, port, username, password: { name: "secret", key: "password" }, queriesConfigMap: "queries" });
    const env = c.env as { name: string; value?: string; valueFrom?: unknown }[];
    const mount = (c.volumeMounts as { mountPath: string }[])[0].mountPath;
    const dir = fs.mkdtempSync(path.join(work, `${name}-queries-`));
    fs.chmodSync(dir, 0o755);
    for (const [key, content] of Object.entries(exporterQueriesData(queries))) fs.writeFileSync(path.join(dir, key), content, { mode: 0o644 });
    const args = env.flatMap((e) => ["-e", `${e.name}=${e.valueFrom ? password : e.value}`]);
    const r = await docker(["run", "-d", "--name", name, "--label", `${LABEL}=${RUN_ID}`, "--network", `container:${next}`, "-v", `${dir}:${mount}:ro`, ...args, EXPORTER_IMAGE]);
    if (r.code !== 0) throw new Error(`exporter ${name} did not start: ${r.stderr}`);
}

/** Scrapes the exporter until its custom query answered (the first scrape may race the connection). */
async function scrape(container: string, metric: string): Promise<Sample[]> {
    const port = /127\.0\.0\.1:(\d+)/.exec((await docker(["port", container, "9187/tcp"])).stdout)![1];
    let last = "";
    for (let i = 0; i < 100; i++) {
        try {
            last = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
            if (new RegExp(`^${metric}[ {]`, "m").test(last) && /^pg_up 1$/m.test(last)) return parseExposition(last);
        } catch (e) {
            last = String(e);
        }
        await new Promise((res) => setTimeout(res, 300));
    }
    throw new Error(`the exporter next to ${container} never exposed ${metric} with pg_up 1; last scrape:\n${last.slice(0, 3000)}`);
}

/** Removes this run's containers only: other runs of the docker tier may share the daemon. */
async function removeOwnContainers(): Promise<void> {
    const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}=${RUN_ID}`])).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
}

/** Metrics a rule selects and the labels it needs on them, checked against the series the world holds. */
function selectionProblems(rule: RenderedPrometheusRule, world: Series[]): string[] {
    const problems: string[] = [];
    for (const r of rule.groups.flatMap((g) => g.rules)) {
        for (const sel of selectors(r.expr)) {
            const series = world.filter((s) => s.name === sel.metric);
            if (series.length === 0) {
                problems.push(`${rule.resource}/${r.alert} selects ${sel.metric}, which no exporter of the stack exposes`);
                continue;
            }
            for (const label of [...sel.labels, ...groupingLabels(r.expr)]) {
                if (!series.some((s) => label in s.labels)) problems.push(`${rule.resource}/${r.alert} needs label ${label} on ${sel.metric}; its series carry ${Object.keys(series[0].labels).join(", ")}`);
            }
        }
    }
    return problems;
}

const seriesText = (s: Series) => `${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(",")}}`;

/** A promtool test file: all is well, then every scenario of the stack, each with exactly what must fire. */
function testFile(rule: RenderedPrometheusRule, world: Series[], all: ReturnType<typeof scenarios>): unknown {
    const rules = rule.groups.flatMap((g) => g.rules);
    const expect = (firing?: { alert: string; labels: Record<string, string> }) => rules.map((r) => ({
        eval_time: EVAL_TIME,
        alertname: r.alert,
        exp_alerts: firing?.alert === r.alert ? [{ exp_labels: { ...firing.labels, ...r.labels }, exp_annotations: r.annotations }] : [],
    }));
    const input = (series: Series[]) => series.map((s) => ({ series: seriesText(s), values: s.values }));
    return {
        rule_files: ["rules.yaml"],
        evaluation_interval: INTERVAL,
        tests: [
            { name: "healthy: every alert quiet", interval: INTERVAL, input_series: input(world), alert_rule_test: expect() },
            ...all.map((s) => ({
                name: s.title, interval: INTERVAL, input_series: input(s.series),
                alert_rule_test: expect(s.rule === rule ? { alert: s.alert, labels: s.firing } : undefined),
            })),
        ],
    };
}

describe("Prometheus rules (promtool, real exporter series)", function () {
    this.timeout(30 * 60_000);
    const work = tempDir("dbplace-e2e-rules");
    let bin: string;
    let rendered: RenderedStack[];
    const templates: ExporterTemplates = { "postgres-server": [], "postgres-baked": [], mysql: MYSQL };

    before(async function () {
        ensureDockerAndBaseImage();
        execFileSync(path.join(REPO_ROOT, "tools", "docker", "exporter-image.sh"), { stdio: ["ignore", process.stderr, process.stderr] });
        bin = ensurePromtool();
        rendered = await Promise.all(listStacks().map(renderStack));
        const [spec] = resolveStack({ cloud: "local", placement: "cluster" }).databases;

        // A primary as the server pod runs it: postgres, and the exporter logging in as the superuser over 127.0.0.1.
        const primary = await startContainer(`dbplace-e2e-rules-primary-${RUN_ID}`, BASE_IMAGE, ["-e", `POSTGRES_PASSWORD=${PASSWORD}`, "-e", `POSTGRES_DB=${DB}`, "-p", "127.0.0.1::9187"]);
        await waitExec(primary.name, ["psql", "-U", "postgres", "-d", DB, "-XAtqc", "SELECT 1"]);
        await runExporter(`${primary.name}-exporter`, primary.name, work, spec, 5432, "postgres", PASSWORD, REPLICATION_QUERIES);

        // A baked replica as the Deployment runs it, with the exporter logging in as the reader.
        const image = await bake({
            engine: "postgres", majorVersion: "15", dump: path.join(REPO_ROOT, "tests", "fixtures", "app-next.dump"), baseImage: BASE_IMAGE, database: DB,
            source: "e2e rules", image: REPO, cacheDir: path.join(work, "cache"), readerVerifier: scramVerifier(READER_PW), extraLabels: { [LABEL]: RUN_ID },
        });
        const b = bakedContainer(makeSecrets(work, "app-master", "app-ro"));
        const replica = await startWithFiles(`dbplace-e2e-rules-replica-${RUN_ID}`, image.image, [...b.args, "-p", "127.0.0.1::9187"], b.files);
        await waitExec(replica.name, BAKED.readinessCommand(DB));
        await runExporter(`${replica.name}-exporter`, replica.name, work, spec, BAKED.port, BAKED.readerRole, READER_PW, AGE_QUERIES);

        // Only the metrics some rule selects: Prometheus holds the rest too, but no rule reads it.
        const wanted = new Set(rendered.flatMap((r) => r.rules.flatMap((p) => p.groups.flatMap((g) => g.rules.flatMap((x) => selectors(x.expr).map((s) => s.metric))))));
        templates["postgres-server"] = (await scrape(primary.name, "dbplace_replication_lag_seconds")).filter((s) => wanted.has(s.name));
        templates["postgres-baked"] = (await scrape(replica.name, "dbplace_baked_data_age_seconds")).filter((s) => wanted.has(s.name));
    });

    after(async function () {
        await removeOwnContainers();
        await removeImages(REPO);
        fs.rmSync(work, { recursive: true, force: true });
    });

    const worldOf = (r: RenderedStack): Series[] =>
        healthyWorld(workloads(r.run), (w) => r.specs.find((s) => s.name === w.database)!, templates, standaloneClaims(r.run), DB);

    it("renders PrometheusRules for the example stacks that deploy the Prometheus Operator objects, and promtool check rules passes each", () => {
        const withRules = rendered.filter((r) => r.rules.length > 0).map((r) => r.stack);
        for (const stack of ["cluster", "platform"]) assert.ok(withRules.includes(stack), `${stack} renders no PrometheusRule (stacks that do: ${withRules.join(", ")})`);
        for (const r of rendered) {
            for (const rule of r.rules) {
                const dir = fs.mkdtempSync(path.join(work, `${r.stack}-${rule.resource}-`));
                fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: rule.groups }));
                const res = promtool(bin, ["check", "rules", "rules.yaml"], dir);
                assert.equal(res.code, 0, `${r.stack}/${rule.resource}: promtool check rules failed:\n${res.output}`);
                assert.match(res.output, new RegExp(`SUCCESS: ${rule.groups[0].rules.length} rules found`), res.output);
            }
        }
    });

    it("the exporters expose every metric the rules select, with every label they match or group by", () => {
        const problems = rendered.flatMap((r) => { const world = worldOf(r); return r.rules.flatMap((rule) => selectionProblems(rule, world)); });
        assert.deepEqual(problems, []);
        // The check has teeth: a matcher on a label postgres_exporter does not put on pg_up is reported.
        const platform = rendered.find((r) => r.stack === "platform")!;
        const rule = platform.rules.find((r) => r.database.engine === "postgres" && r.resource.endsWith("-alerts") && !r.resource.includes("baked"))!;
        const broken = { ...rule, groups: rule.groups.map((g) => ({ ...g, rules: g.rules.map((x) => ({ ...x, expr: x.expr.replace("pg_up{", "pg_up{datname=\"app\", ") })) })) };
        assert.match(selectionProblems(broken, worldOf(platform)).join("\n"), /needs label datname on pg_up/);
    });

    it("promtool test rules, every stack that renders rules: each alert fires on its fault (staleness, lag, disk, connections, down) and stays quiet on healthy series", () => {
        for (const r of rendered.filter((x) => x.rules.length > 0)) {
            const world = worldOf(r);
            const all = r.rules.flatMap((rule) => scenarios(rule, world));
            for (const rule of r.rules) {
                const dir = fs.mkdtempSync(path.join(work, `${r.stack}-${rule.resource}-test-`));
                fs.writeFileSync(path.join(dir, "rules.yaml"), stringify({ groups: rule.groups }));
                fs.writeFileSync(path.join(dir, "test.yaml"), stringify(testFile(rule, world, all)));
                const res = promtool(bin, ["test", "rules", "test.yaml"], dir);
                assert.equal(res.code, 0, `${r.stack}/${rule.resource}: promtool test rules failed:\n${res.output.slice(0, 6000)}`);
                assert.match(res.output, /SUCCESS/);
            }
            const fired = all.map((s) => `${s.rule.resource}:${s.alert}`);
            const alerts = r.rules.flatMap((rule) => rule.groups.flatMap((g) => g.rules.map((x) => `${rule.resource}:${x.alert}`)));
            assert.deepEqual(alerts.filter((a) => !fired.includes(a)), [], `${r.stack}: alerts no scenario makes fire`);
        }
    });
});
