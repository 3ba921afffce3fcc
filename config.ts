import * as pulumi from "@pulumi/pulumi";
import { resolveStackConfig, StackSpec } from "./components/config";

/**
 * The program's one typed config module: every key is documented in Pulumi.yaml's `config:` block and
 * validated by `resolveStack` before any resource exists. The namespace is the project name, so a team
 * that renames the project in its copy keeps working.
 */
export function readStackConfig(): StackSpec {
    const stack = resolveStackConfig(pulumi.runtime.allConfig(), pulumi.getProject());
    for (const w of stack.warnings) void pulumi.log.warn(w);
    return stack;
}
