/**
 * Kubernetes CronJob schedule syntax (5 fields, or @hourly-style macros). Validated here so a typo fails
 * `pulumi up` before anything is created instead of as an API-server rejection halfway through.
 */
const MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: MONTHS },
    { name: "day of week", min: 0, max: 7, names: DAYS },
];

/** Returns why the expression is invalid, or undefined when it is valid. */
export function cronProblem(expr: string): string | undefined {
    const text = expr.trim();
    if (text.startsWith("@")) {
        return MACROS.includes(text) ? undefined : `unknown macro ${text}; allowed: ${MACROS.join(", ")}`;
    }
    const parts = text.split(/\s+/);
    if (parts.length !== 5) {
        return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has ${parts.length}`;
    }
    for (let i = 0; i < 5; i++) {
        const problem = fieldProblem(parts[i], FIELDS[i]);
        if (problem) return `${FIELDS[i].name} field "${parts[i]}": ${problem}`;
    }
    return neverFires(parts);
}

/** Longest month length, February counted as 29 (a leap-year schedule does fire). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A syntactically valid schedule whose days of month exist in none of its months (`0 3 31 2 *`, `0 0 30 2 *`)
 * never runs: cron (and Kubernetes CronJob) accept it silently. With a day-of-week restriction cron runs
 * on either match, so such a schedule does fire.
 */
function neverFires(parts: string[]): string | undefined {
    const [, , dom, month, dow] = parts;
    if (dom === "*" || dom === "?" || (dow !== "*" && dow !== "?")) return undefined;
    const days = expand(dom, FIELDS[2]);
    const months = expand(month, FIELDS[3]);
    if (months.some((m) => days.some((d) => d <= DAYS_IN_MONTH[m - 1]))) return undefined;
    return `it never fires: day ${days.join(",")} does not exist in ${months.map((m) => MONTHS[m - 1]).join(",")}`;
}

function expand(field: string, spec: (typeof FIELDS)[number]): number[] {
    const out = new Set<number>();
    for (const item of field.split(",")) {
        const [range, step] = item.split("/");
        const value = (t: string) => {
            const named = spec.names?.indexOf(t.toUpperCase()) ?? -1;
            return named >= 0 ? named + 1 : Number(t);
        };
        const [lo, hi] = range === "*" || range === "?" ? [spec.min, spec.max] : range.includes("-") ? range.split("-").map(value) : [value(range), step ? spec.max : value(range)];
        for (let n = lo; n <= hi; n += step ? Number(step) : 1) out.add(n);
    }
    return [...out].sort((a, b) => a - b);
}

function fieldProblem(field: string, spec: (typeof FIELDS)[number]): string | undefined {
    const value = (token: string): number | undefined => {
        const named = spec.names?.indexOf(token.toUpperCase()) ?? -1;
        if (named >= 0) return named + (spec.name === "month" ? 1 : 0);
        return /^\d+$/.test(token) ? Number(token) : undefined;
    };
    for (const item of field.split(",")) {
        const [range, step, extra] = item.split("/");
        if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) return `bad step in "${item}"`;
        if (range === "*" || range === "?") continue;
        const bounds = range.split("-");
        if (bounds.length > 2) return `bad range "${range}"`;
        const nums = bounds.map(value);
        for (let j = 0; j < nums.length; j++) {
            const n = nums[j];
            if (n === undefined) return `"${bounds[j]}" is not a number${spec.names ? " or name" : ""}`;
            if (n < spec.min || n > spec.max) return `${n} is outside ${spec.min}-${spec.max}`;
        }
        if (nums.length === 2 && nums[0]! > nums[1]!) return `range "${range}" runs backwards`;
    }
    return undefined;
}
