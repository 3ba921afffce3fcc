import * as pulumi from "@pulumi/pulumi";
import { readRawConfig, resolveStack, StackSpec } from "./components/config";

/**
 * The program's one typed config module: every key is documented in Pulumi.yaml's `config:` block and
 * validated by `resolveStack` before any resource exists. The namespace is the project name, so a team
 * that renames the project in its copy keeps working.
 */
export function readStackConfig(): StackSpec {
    const project = pulumi.getProject();
    const all = pulumi.runtime.allConfig();
    // Provider keys (gcp:project, gcp:region) and their environment fallbacks are checked before any resource too.
    return resolveStack(readRawConfig(all, project), project, { config: all, env: process.env });
}
