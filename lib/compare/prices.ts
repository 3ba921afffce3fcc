import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "../stacks";
import { CompareError, EXIT } from "./model";

export const DEFAULT_PRICES = path.join(PROJECT_ROOT, "data", "prices.json");

/**
 * One dated, sourced figure; `usd: null` says no trustworthy figure was found and `why` says so. A key
 * that is absent is a gap in the table (the coverage test fails on it); a null is a recorded gap.
 * `field` says where in the source's file the figure sits, for figures a script extracts.
 */
const priceEntry = z.union([
    z.object({ usd: z.number().nonnegative(), src: z.string().min(1), date: z.string().regex(/^\d{4}(-\d{2})?(-\d{2})?$/), field: z.string().min(1).optional() }).strict(),
    z.object({ usd: z.null(), why: z.string().min(1) }).strict(),
]);
const priceMap = z.record(z.string(), priceEntry);

const priceTableSchema = z.object({
    schema: z.literal(1),
    label: z.string().min(1),
    currency: z.string().min(1),
    asOf: z.string().min(1),
    checked: z.string().optional(),
    hoursPerMonth: z.number().positive(),
    sources: z.array(z.object({ id: z.string().min(1), what: z.string(), url: z.string() })).min(1),
    excludes: z.array(z.string()),
    regions: z.record(z.string().regex(/^(aws|gcp)\/[a-z0-9-]+$/, "region keys look like aws/us-east-1 or gcp/us-central1"), z.object({ hourly: priceMap, monthly: priceMap })),
    resourceTypes: z.object({
        clusterCapacity: z.array(z.string()),
        free: z.array(z.string()),
        usageBased: z.array(z.string()),
    }),
});

export type PriceTable = z.infer<typeof priceTableSchema>;

/** Reads and checks the table; every failure is a CompareError naming the file (exit code 3). */
export function loadPrices(file = DEFAULT_PRICES): PriceTable {
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith("..") ? relative : file;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new CompareError(`cannot read the price table ${shown}: ${code === "ENOENT" ? "no such file" : (e as Error).message}. Restore data/prices.json or pass --prices FILE.`, EXIT.environment);
    }
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (e) {
        throw new CompareError(`the price table ${shown} is not valid JSON (${(e as Error).message}); see data/README.md for its shape.`, EXIT.environment);
    }
    const parsed = priceTableSchema.safeParse(json);
    if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`);
        throw new CompareError(`the price table ${shown} cannot be used: ${issues.join("; ")}. See data/README.md for its shape.`, EXIT.environment);
    }
    const ids = new Set(parsed.data.sources.map((s) => s.id));
    for (const [region, kinds] of Object.entries(parsed.data.regions)) {
        for (const [kind, entries] of Object.entries(kinds)) {
            for (const [key, e] of Object.entries(entries)) {
                if ("src" in e && !ids.has(e.src)) throw new CompareError(`the price table ${shown} cannot be used: regions.${region}.${kind}.${key}: source "${e.src}" is not in sources[].id. See data/README.md for its shape.`, EXIT.environment);
            }
        }
    }
    return parsed.data;
}

export type PriceEntry = z.infer<typeof priceEntry>;

/** The entry for a key in a region: a figure, a recorded gap (null with why), or undefined when absent. */
export function priceEntryOf(table: PriceTable, region: string, kind: "hourly" | "monthly", key: string): PriceEntry | undefined {
    return table.regions[region]?.[kind][key];
}

/** Glob with a trailing `*` only: `aws:iam/*` matches every IAM type. */
export function matchesType(type: string, patterns: readonly string[]): boolean {
    return patterns.some((p) => (p.endsWith("*") ? type.startsWith(p.slice(0, -1)) : type === p));
}
