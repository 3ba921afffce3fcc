import * as fs from "node:fs";
import * as path from "node:path";
import { stackDir } from "../lib/stacks";

/**
 * A stack's policy exceptions, checked in next to its stack file as `stacks/policy-config.<stack>.json`:
 * the file its runs pass as `pulumi preview --policy-pack-config`, and that the offline checker and the
 * stack tests read. An exception then goes through review like the override it approves, and the pack
 * still flags the same override in any stack that was not granted it.
 */
export type PolicyConfig = Record<string, Record<string, unknown>>;

export function stackPolicyConfigFile(stack: string, root?: string): string {
    return path.join(stackDir(root), `policy-config.${stack}.json`);
}

/** The stack's policy config, or undefined when it has none (the pack's defaults apply). */
export function loadStackPolicyConfig(stack: string, root?: string): PolicyConfig | undefined {
    const file = stackPolicyConfigFile(stack, root);
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as PolicyConfig) : undefined;
}
