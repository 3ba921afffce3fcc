import { addEstimates, CostEstimate, emptyEstimate, estimateCost } from "./cost/estimate";
import { formatCost, mainUnpriced, unpricedItems } from "./cost/format";
import { cmp, diffResources } from "./diff";
import { Cells, Comparison, COMPARE_JSON_VERSION, CostDetail, StackEval, SummaryRow } from "./model";
import { PriceTable } from "./prices";
import { attribute } from "./resources";
import { DATABASE_SETTINGS, DatabaseFacts } from "./summary";

export const STACK_ROW = "(stack)";
export const SHARED_SCOPE = "(shared)";
export const TOTAL_SCOPE = "(total)";

/**
 * Turns evaluated stacks into the comparison every format renders. Deterministic: rows, resources and
 * paths are sorted, and nothing depends on time or run order.
 */
export function buildComparison(evals: readonly StackEval[], prices: PriceTable, source: Comparison["source"] = "mocks"): Comparison {
    const stacks = evals.map((e) => e.stack);
    const facts = new Map<string, Map<string, DatabaseFacts>>();
    const costs: CostDetail[] = [];
    const totals = new Map<string, CostEstimate>();

    for (const e of evals) {
        const perDb = new Map<string, DatabaseFacts>();
        facts.set(e.stack, perDb);
        if (e.error) continue;
        const owner = attribute(e.resources);
        let total = emptyEstimate();
        for (const spec of e.specs) {
            const resources = e.resources.filter((r) => owner.get(r) === spec.name);
            const cost = estimateCost(resources, prices, withRegion(e.providerConfig, spec.aws?.region ?? spec.gcp?.region, spec.cloud));
            perDb.set(spec.name, { spec, resources, cost, currency: prices.currency });
            costs.push(detail(e.stack, spec.name, cost, prices.currency));
            total = addEstimates(total, cost);
        }
        const shared = estimateCost(e.resources.filter((r) => owner.get(r) === null), prices, e.providerConfig);
        if (shared.items.length + shared.unpriced.length + shared.clusterCapacity.length + shared.usageBased.length > 0) costs.push(detail(e.stack, SHARED_SCOPE, shared, prices.currency));
        total = addEstimates(total, shared);
        totals.set(e.stack, total);
        costs.push(detail(e.stack, TOTAL_SCOPE, total, prices.currency));
    }

    const ok = evals.filter((e) => !e.error).map((e) => e.stack);
    const row = (database: string | null, setting: string, values: Cells, differs?: boolean): SummaryRow => ({
        key: `${database ?? STACK_ROW}/${setting}`,
        database,
        setting,
        values,
        differs: differs ?? new Set(ok.map((s) => values[s] ?? "\u0000absent")).size > 1,
    });
    const cells = (f: (e: StackEval) => string | null): Cells => Object.fromEntries(evals.map((e) => [e.stack, f(e)]));

    const summary: SummaryRow[] = [
        row(null, "status", cells((e) => (e.error ? statusText(e.error) : "ok")), evals.some((e) => e.error)),
        row(null, "databases", cells((e) => (e.error ? null : e.specs.map((s) => s.name).sort().join(", ") || "none"))),
        row(null, "resources", cells((e) => (e.error ? null : String(e.resources.filter((r) => r.custom).length)))),
        row(null, "est. cost/month", cells((e) => (e.error ? null : formatCost(totals.get(e.stack)!, prices.currency)))),
    ];
    // Databases of stacks that failed are not listed: their column shows the error, not settings.
    const databases = [...new Set(evals.filter((e) => !e.error).flatMap((e) => e.specs.map((s) => s.name)))].sort(cmp);
    for (const db of databases) {
        for (const [setting, read] of DATABASE_SETTINGS) {
            summary.push(row(db, setting, cells((e) => {
                const f = facts.get(e.stack)?.get(db);
                return e.error || !f ? null : read(f);
            })));
        }
    }

    const { resources, identical } = diffResources(evals);
    return {
        version: COMPARE_JSON_VERSION,
        source,
        stacks: evals.map((e) => ({
            name: e.stack,
            status: e.error ? "error" : "ok",
            ...(e.error ? { errorKind: e.error.kind, error: e.error.message } : {}),
            databases: e.specs.map((s) => s.name).sort(cmp),
            resourceCount: e.resources.filter((r) => r.custom).length,
        })),
        summary,
        resources,
        identicalResources: identical,
        costs: costs.sort((a, b) => stacks.indexOf(a.stack) - stacks.indexOf(b.stack) || scopeOrder(a.scope) - scopeOrder(b.scope) || cmp(a.scope, b.scope)),
        cost: { label: prices.label, currency: prices.currency, asOf: datesOf(prices), sources: prices.sources, excludes: prices.excludes },
    };
}

/** Entries carry their own dates; the footnote gives their span rather than one date that most are not. */
function datesOf(prices: PriceTable): string {
    const dates = Object.values(prices.regions).flatMap((k) => [...Object.values(k.hourly), ...Object.values(k.monthly)]).flatMap((e) => ("date" in e ? [e.date] : [])).sort();
    return dates.length === 0 ? prices.asOf : `${dates[0]} to ${dates[dates.length - 1]}, dated per entry`;
}

/** The region the spec resolved (config or the provider's environment fallback) when the stack file has none. */
function withRegion(config: Record<string, string>, region: string | undefined, cloud: string): Record<string, string> {
    const key = `${cloud}:region`;
    return region && !config[key] ? { ...config, [key]: region } : config;
}

function detail(stack: string, scope: string, e: CostEstimate, currency: string): CostDetail {
    const unknown = [...e.unpriced.map((u) => `${u.resource}: ${u.item}: ${u.why}`), ...e.clusterCapacity.map((r) => `${r}: runs on existing cluster capacity`)].sort(cmp);
    return {
        stack,
        scope,
        known: e.known,
        complete: unknown.length === 0,
        totalShown: !mainUnpriced(e),
        text: formatCost(e, currency),
        unknown,
        unpriced: unpricedItems(e),
        usageBased: [...e.usageBased].sort(cmp),
        items: e.items,
    };
}

function scopeOrder(scope: string): number {
    return scope === TOTAL_SCOPE ? 2 : scope === SHARED_SCOPE ? 1 : 0;
}

/** ConfigError messages already start "Invalid configuration"; the others get a title. */
export function statusText(error: NonNullable<StackEval["error"]>): string {
    if (error.kind === "config") return error.message.replace(/\n\s*-\s*/g, " - ");
    return `${error.kind === "preview" ? "preview failed" : "program failed"}: ${error.message}`;
}
