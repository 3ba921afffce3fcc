import * as fs from "node:fs";
import { runProgram } from "../lib/mock-runner";
import { listStacks, loadStackConfig } from "../lib/stacks";
import { checkRun } from "./offline";
import { loadStackPolicyConfig } from "./stack-config";

/**
 * `ts-node -T policy/check.ts [stack…] [--tag key=value…] [--config file.json]`: the policy pack
 * against the offline plan of each example stack (default: all of stacks/). `--tag` plays a stack tag
 * (dbplace:environment=production), `--config` is the file `pulumi preview --policy-pack-config` takes
 * (default: the stack's own stacks/policy-config.<stack>.json, when it has one).
 * No CLI, no cloud; exits 1 when any mandatory policy reports a violation (advisory ones are listed).
 */
async function main(argv: string[]): Promise<number> {
    const tags: Record<string, string> = {};
    const stacks: string[] = [];
    let config: Record<string, Record<string, unknown>> | undefined;
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--tag") {
            const [k, ...v] = (argv[++i] ?? "").split("=");
            tags[k] = v.join("=");
        } else if (argv[i] === "--config") {
            config = JSON.parse(fs.readFileSync(argv[++i], "utf8"));
        } else if (argv[i] === "--help" || argv[i] === "-h") {
            console.log("usage: ts-node -T policy/check.ts [stack...] [--tag key=value...] [--config policy-config.json]");
            return 0;
        } else stacks.push(argv[i]);
    }
    let violations = 0;
    for (const stack of stacks.length > 0 ? stacks : listStacks()) {
        try {
            const found = checkRun(await runProgram({ stack, config: loadStackConfig(stack) }), { stackTags: tags, config: config ?? loadStackPolicyConfig(stack) });
            const blocking = found.filter((v) => !v.advisory);
            violations += blocking.length;
            const advisories = found.length - blocking.length;
            console.log(`stack "${stack}": ${blocking.length === 0 ? "all mandatory policies pass" : `${blocking.length} violation(s)`}${advisories > 0 ? `, ${advisories} advisory` : ""}`);
            for (const v of found) console.log(`  [${v.policy}${v.advisory ? ", advisory" : ""}] ${v.message}`);
        } catch (e) {
            violations++;
            console.error(`stack "${stack}": ${(e as Error).message}`);
        }
    }
    return violations > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code));
