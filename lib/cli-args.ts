/**
 * The scripts' one command-line parser: `--key value`, `--key=value`, boolean `--flag`s, short aliases
 * (`-h`) and, where a script takes them, positional arguments. A mistake is a `UsageError` naming the
 * argument, which each script prints with its usage text (exit 2).
 */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface ArgSpec {
    /** Options that take no value; present means `true`. */
    flags?: readonly string[];
    /** Options that take a value. Omitted: any `--key` not in `flags` takes one. */
    options?: readonly string[];
    /** Short or alternative names: `{ h: "help" }`. */
    aliases?: Readonly<Record<string, string>>;
    /** Whether arguments that are not options are accepted (else each is an error). Default false. */
    positionals?: boolean;
}

export interface ParsedArgs {
    /** Option → its value (the last one given), or `true` for a flag. */
    options: Record<string, string | true>;
    positionals: string[];
}

export function parseArgs(argv: readonly string[], spec: ArgSpec = {}): ParsedArgs {
    const flags = new Set(spec.flags ?? []);
    const options: Record<string, string | true> = {};
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const m = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
        if (!m) {
            if (!spec.positionals) throw new UsageError(`unexpected argument "${arg}"`);
            positionals.push(arg);
            continue;
        }
        const key = spec.aliases?.[m[1]] ?? m[1];
        if (flags.has(key)) {
            if (m[2] !== undefined) throw new UsageError(`--${key} takes no value, got "${m[2]}"`);
            options[key] = true;
            continue;
        }
        if (spec.options && !spec.options.includes(key)) {
            const known = [...(spec.flags ?? []), ...spec.options].map((k) => `--${k}`).join(", ");
            throw new UsageError(`unknown option "${arg}"; known: ${known}`);
        }
        if (m[2] !== undefined) options[key] = m[2];
        else if (i + 1 < argv.length) options[key] = argv[++i];
        else throw new UsageError(`--${key} needs a value`);
    }
    return { options, positionals };
}

/** An option's value as a string, or `fallback` when it was not given. */
export function stringOption(args: ParsedArgs, key: string, fallback?: string): string | undefined {
    const v = args.options[key];
    return typeof v === "string" ? v : fallback;
}
