import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PROJECT_ROOT } from "../stacks";
import { checkStackNames, evaluateStacks, firstLine, Program } from "./collect";
import { buildComparison } from "./compare";
import { CompareError, EXIT, StackEval } from "./model";
import { evaluateWithPreview } from "./preview";
import { DEFAULT_PRICES, loadPrices } from "./prices";
import { renderHtml } from "./render/html";
import { renderJson } from "./render/json";
import { renderMarkdown } from "./render/markdown";
import { renderTerminal } from "./render/terminal";
import { topologyOf } from "./topology";

export const USAGE = `Usage: npm run compare -- [stack...] [options]

Compares the example stacks (default: all in stacks/) side by side: database settings, estimated
monthly cost, and the resources each stack would register. Offline by default (Pulumi mocks).

Options:
  --format <f>       terminal (default), markdown, json or html
  --out <file>       write to a file instead of stdout
  --all              also show settings that are the same in every stack that has the database
  --resources        also show the resource-level diff (terminal)
  --hide-identical   json: leave out summary rows that are the same in every stack
  --preview          compare \`pulumi preview --json\` plans (needs the pulumi CLI and a login)
  --prices <file>    price table (default data/prices.json)
  --width <n>        terminal width to fit (default 120, or the terminal's or COLUMNS if narrower)
  --color, --no-color  force colour on or off (default: on for a terminal, off with NO_COLOR)
  -h, --help         show this help

Exit codes: 0 compared; 1 written, but a stack could not be evaluated (its column says why);
2 bad arguments or unknown stack; 3 price table, pulumi CLI or output file problem.`;

const FORMATS = ["terminal", "markdown", "json", "html"] as const;
type Format = (typeof FORMATS)[number];

export interface CliIo {
    write(text: string): void;
    error(text: string): void;
    isTTY: boolean;
    columns?: number;
    env: NodeJS.ProcessEnv;
}

export interface CliHooks {
    /** Replace the stack files and the program (tests, the benchmark). */
    loadConfig?: (stack: string) => Record<string, unknown>;
    program?: Program;
    knownStacks?: string[];
}

/** Runs `compare` and returns the exit code. User errors are one sentence on stderr, never a stack trace. */
export async function main(argv: readonly string[], io: CliIo, hooks: CliHooks = {}): Promise<number> {
    try {
        return await run(argv, io, hooks);
    } catch (e) {
        if (e instanceof CompareError) {
            io.error(`compare: ${e.message}\n`);
            if (e.code === EXIT.usage) io.error("Run with --help for usage.\n");
            return e.code;
        }
        io.error(`compare: internal error: ${firstLine(e)}\n(set DBPLACE_DEBUG=1 for the stack trace; please report it)\n`);
        if (io.env.DBPLACE_DEBUG) io.error(`${(e as Error)?.stack ?? ""}\n`);
        return EXIT.internal;
    }
}

async function run(argv: readonly string[], io: CliIo, hooks: CliHooks): Promise<number> {
    const args = parse(argv);
    if (args.help) {
        io.write(`${USAGE}\n`);
        return EXIT.ok;
    }
    const prices = loadPrices(args.prices ? path.resolve(args.prices) : DEFAULT_PRICES);
    // Another copy of the project (its Pulumi.yaml and stacks/), as for npm run up: a test's overlay.
    const root = io.env.DBPLACE_PROJECT_DIR ?? PROJECT_ROOT;
    const stacks = hooks.knownStacks ? checkKnown(args.stacks, hooks.knownStacks) : checkStackNames(args.stacks, root);
    if (stacks.length === 0) throw new CompareError(`no stacks to compare: ${path.relative(process.cwd(), root) || "."}/stacks has no Pulumi.<name>.yaml files.`, EXIT.usage);

    const evals: StackEval[] = args.preview ? evaluateWithPreview(stacks, { env: io.env, cwd: root }) : await evaluateStacks(stacks, hooks);
    const comparison = buildComparison(evals, prices, args.preview ? "preview" : "mocks");
    const render = { hideIdentical: args.hideIdentical, all: args.all, resources: args.resources };
    const colour = args.format === "terminal" && !args.out && wantsColour(args.colour, io);
    // A terminal's own width, else COLUMNS (set by shells, honoured when piping), else 120; capped at 120.
    const columns = io.isTTY && io.columns ? io.columns : Number(io.env.COLUMNS) || undefined;
    const width = args.width ?? (columns ? Math.min(120, Math.max(60, columns)) : 120);
    const text =
        args.format === "json" ? renderJson(comparison, render)
        : args.format === "markdown" ? renderMarkdown(comparison, render)
        : args.format === "html" ? renderHtml(comparison, evals.map(topologyOf), render)
        : renderTerminal(comparison, { ...render, colour, width });

    if (args.out) {
        try {
            fs.mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
            fs.writeFileSync(args.out, text);
        } catch (e) {
            throw new CompareError(`cannot write ${args.out}: ${firstLine(e)}`, EXIT.environment);
        }
        io.error(`compare: wrote ${args.format} to ${args.out}\n`);
    } else {
        io.write(text);
    }
    const failed = evals.filter((e) => e.error);
    if (failed.length > 0) {
        io.error(`compare: ${failed.length} of ${evals.length} stacks could not be evaluated: ${failed.map((e) => `${e.stack} (${e.error!.kind === "config" ? "invalid config" : e.error!.kind + " failed"})`).join(", ")}; see their columns.\n`);
        return EXIT.stackFailed;
    }
    return EXIT.ok;
}

interface Args {
    stacks: string[];
    format: Format;
    out?: string;
    hideIdentical: boolean;
    all: boolean;
    resources: boolean;
    preview: boolean;
    prices?: string;
    width?: number;
    colour?: boolean;
    help: boolean;
}

function parse(argv: readonly string[]): Args {
    let parsed;
    try {
        parsed = parseArgs({
            args: [...argv],
            allowPositionals: true,
            options: {
                format: { type: "string", short: "f" },
                out: { type: "string", short: "o" },
                "hide-identical": { type: "boolean" },
                all: { type: "boolean" },
                resources: { type: "boolean" },
                preview: { type: "boolean" },
                prices: { type: "string" },
                width: { type: "string" },
                color: { type: "boolean" },
                "no-color": { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (e) {
        throw new CompareError(firstLine(e).replace(/\. To specify a positional argument.*$/, "."), EXIT.usage);
    }
    const v = parsed.values;
    const format = (v.format ?? "terminal") as Format;
    if (!FORMATS.includes(format)) throw new CompareError(`--format is "${format}"; allowed values: ${FORMATS.join(", ")}.`, EXIT.usage);
    let width: number | undefined;
    if (v.width !== undefined) {
        width = Number(v.width);
        if (!Number.isInteger(width) || width < 60 || width > 400) throw new CompareError(`--width is "${v.width}"; use a whole number from 60 to 400.`, EXIT.usage);
    }
    return {
        stacks: parsed.positionals,
        format,
        out: v.out,
        hideIdentical: Boolean(v["hide-identical"]),
        all: Boolean(v.all),
        resources: Boolean(v.resources),
        preview: Boolean(v.preview),
        prices: v.prices,
        width,
        colour: v["no-color"] ? false : v.color ? true : undefined,
        help: Boolean(v.help),
    };
}

function checkKnown(requested: string[], known: string[]): string[] {
    const unknown = requested.filter((s) => !known.includes(s));
    if (unknown.length > 0) throw new CompareError(`unknown stack${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => `"${s}"`).join(", ")}; known stacks: ${known.join(", ")}.`, EXIT.usage);
    return requested.length > 0 ? [...new Set(requested)] : known;
}

/** NO_COLOR (any value) wins over a TTY; FORCE_COLOR forces it on; the flags win over both. */
function wantsColour(flag: boolean | undefined, io: CliIo): boolean {
    if (flag !== undefined) return flag;
    if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
    if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0") return true;
    return io.isTTY && io.env.TERM !== "dumb";
}
