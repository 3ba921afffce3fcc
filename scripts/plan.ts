import { renderPlan } from "../lib/plan";
import { runProgram } from "../lib/mock-runner";
import { listStacks, loadStackConfig } from "../lib/stacks";
import { parseArgs, ParsedArgs } from "../lib/cli-args";

/**
 * `npm run plan -- [stack…] [--json]`: what `pulumi up` would create for each example stack, computed
 * offline under Pulumi's mocks. No cloud credentials, no Pulumi CLI, no Docker.
 */
async function main(argv: string[]): Promise<number> {
    const usage = `usage: npm run plan -- [stack...] [--json]\nexample stacks: ${listStacks().join(", ")}`;
    let args: ParsedArgs;
    try {
        args = parseArgs(argv, { flags: ["help", "json"], options: [], aliases: { h: "help" }, positionals: true });
    } catch (e) {
        console.error(`plan: ${(e as Error).message}\n${usage}`);
        return 2;
    }
    if (args.options.help) {
        console.log(usage);
        return 0;
    }
    const json = args.options.json === true;
    const stacks = args.positionals;
    let failed = 0;
    for (const stack of stacks.length > 0 ? stacks : listStacks()) {
        try {
            const run = await runProgram({ stack, config: loadStackConfig(stack) });
            if (json) {
                console.log(JSON.stringify({ stack, resources: run.resources.map(({ type, name, database, protect, inputs, secretPaths }) => ({ type, name, database, protect, inputs: mask(inputs, secretPaths) })) }, null, 2));
            } else {
                console.log(renderPlan(run));
                console.log("");
            }
        } catch (e) {
            failed++;
            const err = e as Error;
            console.error(`stack "${stack}": ${err.name === "ConfigError" || err.message.startsWith("unknown stack") ? err.message : err.stack}`);
        }
    }
    return failed > 0 ? 1 : 0;
}

function mask(inputs: Record<string, unknown>, secretPaths: string[]): Record<string, unknown> {
    const copy = JSON.parse(JSON.stringify(inputs)) as Record<string, unknown>;
    for (const path of secretPaths) {
        const keys = path.split(".");
        let cursor: Record<string, unknown> | undefined = copy;
        for (const k of keys.slice(0, -1)) cursor = cursor?.[k] as Record<string, unknown> | undefined;
        if (cursor && keys[keys.length - 1] in cursor) cursor[keys[keys.length - 1]] = "[secret]";
    }
    return copy;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
