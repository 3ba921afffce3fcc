import * as pulumi from "@pulumi/pulumi";
import { Database } from "./components/database";
import { ContractValues, contractOutputs } from "./components/contract";
import { checkStack } from "./components/placements";
import { StackInfrastructure } from "./components/shared";
import { readStackConfig } from "./config";

/** Read config, run every pre-flight check, build one Database per entry on the stack's shared infrastructure, export the contract map. */
export async function program(): Promise<{ databases: pulumi.Output<Record<string, ContractValues>> }> {
    const stack = readStackConfig();
    await checkStack(stack.databases, pulumi.getProject());
    const shared = new StackInfrastructure(stack.databases);
    const databases: Record<string, pulumi.Output<ContractValues>> = {};
    for (const spec of stack.databases) {
        databases[spec.name] = contractOutputs(new Database(spec.name, { spec, shared }));
    }
    return { databases: pulumi.output(databases) };
}
