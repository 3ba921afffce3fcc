import * as pulumi from "@pulumi/pulumi";
import { Database } from "./components/database";
import { ContractValues, contractOutputs } from "./components/contract";
import { assertImplemented } from "./components/placements";
import { preflightBakes } from "./components/replicas/preflight";
import { readStackConfig } from "./config";

/** Read config, build one Database per entry, export the contract map. Validation throws before any resource. */
export async function program(): Promise<{ databases: pulumi.Output<Record<string, ContractValues>> }> {
    const stack = readStackConfig();
    assertImplemented(stack.databases);
    preflightBakes(stack.databases, pulumi.getProject());
    const databases: Record<string, pulumi.Output<ContractValues>> = {};
    for (const spec of stack.databases) {
        databases[spec.name] = contractOutputs(new Database(spec.name, { spec }));
    }
    return { databases: pulumi.output(databases) };
}
