import * as assert from "node:assert/strict";
import { MockRun, runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { expectConfigError } from "../helpers/resources";

// A Prometheus loads only the ServiceMonitors and PrometheusRules its serviceMonitorSelector / ruleSelector
// match; kube-prometheus-stack's default selects `release: <its Helm release>`. These objects must carry
// the labels the stack names, on top of the program's own.
const run = (config: Record<string, unknown>): Promise<MockRun> => runProgram({ stack: "test", config, program });
const MONITORING = ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "kubernetes:monitoring.coreos.com/v1:PrometheusRule"];
const base = { cloud: "local", placement: "cluster", replicas: { kind: "baked", count: 2, image: "registry.example.com/app-baked:seed" } };
const monitored = (extra: Record<string, unknown> = {}) => ({ ...base, cluster: { prometheusOperator: true, ...extra } });

function monitoringObjects(result: MockRun) {
    const found = result.resources.filter((r) => MONITORING.includes(r.type));
    // The primary's pair and the baked replicas' pair.
    assert.equal(found.length, 4, found.map((r) => r.name).join(", "));
    return found;
}

describe("cluster monitoring: selector labels for the Prometheus that loads the objects", () => {
    it("puts cluster.prometheusSelectorLabels on every ServiceMonitor and PrometheusRule, keeping the program's labels", async () => {
        const result = await run(monitored({ prometheusSelectorLabels: { release: "kube-prometheus-stack", "example.com/team": "data" } }));
        for (const r of monitoringObjects(result)) {
            const labels = r.inputs.metadata.labels;
            assert.equal(labels.release, "kube-prometheus-stack", r.name);
            assert.equal(labels["example.com/team"], "data", r.name);
            assert.equal(labels["app.kubernetes.io/part-of"], "dbplace", r.name);
            assert.equal(labels["app.kubernetes.io/instance"], "app", r.name);
        }
        // Only these two kinds: a selector label on a StatefulSet or Service would mean nothing there.
        for (const r of result.resources.filter((x) => x.type.startsWith("kubernetes:") && !MONITORING.includes(x.type))) {
            assert.equal(r.inputs.metadata?.labels?.release, undefined, `${r.type} ${r.name}`);
        }
    });

    it("per database: one database's labels do not leak to another's objects", async () => {
        const result = await run({
            cloud: "local", placement: "cluster", cluster: { prometheusOperator: true },
            databases: { a: { cluster: { prometheusSelectorLabels: { release: "prom-a" } } }, b: {} },
        });
        const releases = result.resources.filter((r) => MONITORING.includes(r.type)).map((r) => `${r.name}=${r.inputs.metadata.labels.release ?? "-"}`).sort();
        assert.deepEqual(releases, ["a-alerts=prom-a", "a-servicemonitor=prom-a", "b-alerts=-", "b-servicemonitor=-"]);
    });

    it("assumes no selector label by default", async () => {
        for (const r of monitoringObjects(await run(monitored()))) {
            assert.deepEqual(Object.keys(r.inputs.metadata.labels).filter((k) => !k.startsWith("app.kubernetes.io/") && !k.startsWith("dbplace.io/")), [], r.name);
        }
    });

    const bad: [string, Record<string, unknown>, RegExp][] = [
        ["labels without the Prometheus Operator", { ...base, cluster: { prometheusSelectorLabels: { release: "kps" } } },
            /dbplace:cluster\.prometheusSelectorLabels is \{"release":"kps"\}, but only applies with cluster\.prometheusOperator true/],
        ["a key with a space", monitored({ prometheusSelectorLabels: { "my release": "kps" } }),
            /dbplace:cluster\.prometheusSelectorLabels\.my release is a label key "my release": a label key's name must be 1-63 characters/],
        ["an upper-case key prefix", monitored({ prometheusSelectorLabels: { "Example.com/team": "x" } }),
            /is a label key "Example\.com\/team": a label key's prefix \(before the \/\) must be a lowercase DNS subdomain/],
        ["a value too long", monitored({ prometheusSelectorLabels: { release: "x".repeat(64) } }),
            /dbplace:cluster\.prometheusSelectorLabels\.release is "x{64}": a label value must be at most 63 characters/],
        ["a value ending in a dash", monitored({ prometheusSelectorLabels: { release: "kps-" } }), /is "kps-": a label value must be/],
        ["a key the program sets", monitored({ prometheusSelectorLabels: { "app.kubernetes.io/instance": "other" } }),
            /is a label key "app\.kubernetes\.io\/instance": the program sets the app\.kubernetes\.io\/\* and dbplace\.io\/\* labels itself; use a key of your Prometheus's selectors \(kube-prometheus-stack: release\)/],
        ["a value that is not a string", monitored({ prometheusSelectorLabels: { release: 3 } }), /dbplace:cluster\.prometheusSelectorLabels\.release is 3/],
    ];
    for (const [title, config, pattern] of bad) {
        it(`refuses ${title}, naming the key, before any resource`, () => expectConfigError(() => run(config), pattern));
    }
});
