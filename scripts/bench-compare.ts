import * as pulumi from "@pulumi/pulumi";
import { performance } from "node:perf_hooks";
import { evaluateStacks, evaluateWithMocks, Program } from "../lib/compare/collect";
import { buildComparison } from "../lib/compare/compare";
import { PlannedResource } from "../lib/compare/model";
import { loadPrices } from "../lib/compare/prices";
import { renderHtml } from "../lib/compare/render/html";
import { renderJson } from "../lib/compare/render/json";
import { renderMarkdown } from "../lib/compare/render/markdown";
import { renderTerminal } from "../lib/compare/render/terminal";
import { topologyOf } from "../lib/compare/topology";

/**
 * `npm run bench:compare`: (1) wall time of a full compare of 3 stacks × 20 databases, configs generated
 * in memory (target < 15 s on the 2-core CI machine); (2) what our program costs per registered
 * resource against the bare SDK: the same resources (type, name, inputs) registered directly under the
 * same mocks, so the difference is our components' own work (validation, outputs, applies, naming).
 */
const DATABASES = 20;
const TARGET_SECONDS = 15;
const REPEATS = 3;

function databases(tune: (i: number) => Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Array.from({ length: DATABASES }, (_, i) => [`svc${String(i + 1).padStart(2, "0")}`, tune(i)]));
}

/** dev on docker, staging and prod on a cluster; sizes, HA and replica kinds vary per database. */
const STACKS: Record<string, Record<string, unknown>> = {
    dev: {
        "dbplace:cloud": "local",
        "dbplace:placement": "docker",
        "dbplace:deletionProtection": false,
        "dbplace:databases": databases((i) => (i % 3 === 0 ? { replicas: { kind: "streaming", count: 1 } } : {})),
    },
    staging: {
        "dbplace:cloud": "local",
        "dbplace:placement": "cluster",
        "dbplace:network": { allowedNamespaces: ["apps"] },
        "dbplace:cluster": { prometheusOperator: true },
        "dbplace:databases": databases((i) => (i % 2 === 0 ? { replicas: { kind: "baked", count: 2, image: `registry.internal/svc${i}:seed`, maxStalenessMinutes: 120 } } : {})),
    },
    prod: {
        "dbplace:cloud": "local",
        "dbplace:placement": "cluster",
        "dbplace:alertEmail": "oncall@example.com",
        "dbplace:network": { allowedNamespaces: ["apps"] },
        "dbplace:cluster": { prometheusOperator: true },
        "dbplace:databases": databases((i) => ({
            size: i % 4 === 0 ? "large" : "medium",
            highAvailability: true,
            backupRetentionDays: 14,
            replicas: i % 2 === 0 ? { kind: "baked", count: 3, image: `registry.internal/svc${i}:seed`, maxStalenessMinutes: 60, maxReplicas: 6 } : { kind: "streaming", count: 2 },
        })),
    },
};

class Bare extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs) {
        super(type, name, props);
    }
}

/** Registers the recorded resources again, flat, with plain inputs and no component logic. */
function bareProgram(resources: readonly PlannedResource[]): Program {
    return async () => {
        const registered = resources.map((r) => new Bare(r.type, r.name, r.inputs));
        return { urns: registered.map((r) => r.urn) };
    };
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
    const start = performance.now();
    const value = await f();
    return [value, (performance.now() - start) / 1000];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<number> {
    const prices = loadPrices();
    const [evals, evaluate] = await timed(() => evaluateStacks(Object.keys(STACKS), { loadConfig: (s) => STACKS[s] }));
    const failed = evals.filter((e) => e.error);
    if (failed.length > 0) {
        process.stderr.write(`bench-compare: generated stacks did not evaluate: ${failed.map((e) => `${e.stack}: ${e.error!.message}`).join("; ")}\n`);
        return 1;
    }
    const [comparison, compare] = await timed(async () => buildComparison(evals, prices));
    const [, render] = await timed(async () => {
        renderTerminal(comparison, { hideIdentical: false, colour: false, width: 120, resources: true });
        renderMarkdown(comparison, { hideIdentical: false });
        renderJson(comparison, { hideIdentical: false });
        renderHtml(comparison, evals.map(topologyOf), { hideIdentical: false });
    });
    const total = evaluate + compare + render;
    const resources = evals.reduce((n, e) => n + e.resources.length, 0);
    const line = (s: string) => process.stdout.write(`${s}\n`);
    line(`compare, ${Object.keys(STACKS).length} stacks × ${DATABASES} databases (${resources} resources), all four formats:`);
    line(`  ${total.toFixed(2)} s total (evaluate ${evaluate.toFixed(2)} s, compare ${compare.toFixed(2)} s, render ${render.toFixed(2)} s); target < ${TARGET_SECONDS} s: ${total < TARGET_SECONDS ? "met" : "MISSED"}`);

    // Per-resource cost on the largest stack, our program vs the bare SDK, median of REPEATS runs each.
    const big = evals.reduce((a, b) => (b.resources.length > a.resources.length ? b : a));
    const ours: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
        ours.push((await timed(() => evaluateWithMocks(big.stack, STACKS[big.stack])))[1]);
        bare.push((await timed(() => evaluateWithMocks(big.stack, STACKS[big.stack], { program: bareProgram(big.resources) })))[1]);
    }
    const n = big.resources.length;
    const perOurs = (median(ours) / n) * 1000;
    const perBare = (median(bare) / n) * 1000;
    line(`evaluation cost per registered resource, stack ${big.stack} (${n} resources), median of ${REPEATS}:`);
    line(`  dbplace program: ${perOurs.toFixed(2)} ms/resource (${median(ours).toFixed(2)} s)`);
    line(`  bare SDK, same types/names/inputs: ${perBare.toFixed(2)} ms/resource (${median(bare).toFixed(2)} s)`);
    line(`  program overhead: ${(perOurs / perBare).toFixed(2)}× the bare SDK`);
    return total < TARGET_SECONDS ? 0 : 1;
}

process.on("unhandledRejection", () => undefined);
main().then(
    (code) => process.stdout.write("", () => process.exit(code)),
    (e) => {
        process.stderr.write(`bench-compare: ${process.env.DBPLACE_DEBUG ? (e as Error).stack : (e as Error).message}\n`);
        process.exit(4);
    },
);
