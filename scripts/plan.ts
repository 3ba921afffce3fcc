import { renderPlan } from "../lib/plan";
import { runProgram } from "../lib/mock-runner";
import { listStacks, loadStackConfig } from "../lib/stacks";

/**
 * `npm run plan -- [stack…] [--json]`: what `pulumi up` would create for each example stack, computed
 * offline under Pulumi's mocks. No cloud credentials, no Pulumi CLI, no Docker.
 */
async function main(argv: string[]): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        console.log(`usage: npm run plan -- [stack...] [--json]\nexample stacks: ${listStacks().join(", ")}`);
        return 0;
    }
    const json = argv.includes("--json");
    const stacks = argv.filter((a) => !a.startsWith("--"));
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
