import * as pulumi from "@pulumi/pulumi";
import { Database } from "./components/database";
import { ContractValues, contractOutputs } from "./components/contract";
import { assertImplemented, preflight } from "./components/placements";
import { preflightBakes } from "./components/replicas/preflight";
import { readStackConfig } from "./config";

/** Read config, run every pre-flight check, build one Database per entry, export the contract map. */
export async function program(): Promise<{ databases: pulumi.Output<Record<string, ContractValues>> }> {
    const stack = readStackConfig();
    assertImplemented(stack.databases);
    preflightBakes(stack.databases, pulumi.getProject());
    // Checks that need the cloud's read-only APIs (zones, reused subnets); still before any resource.
    await preflight(stack.databases);
    const databases: Record<string, pulumi.Output<ContractValues>> = {};
    for (const spec of stack.databases) {
        databases[spec.name] = contractOutputs(new Database(spec.name, { spec }));
    }
    return { databases: pulumi.output(databases) };
}
