import * as pulumi from "@pulumi/pulumi";
import { assertImplemented, contractOutputs, ContractValues, Database, DatabaseSpec, readRawConfig, resolveStack } from "dbplace";

/**
 * ${DESCRIPTION}
 *
 * One database per service. The stack-wide keys (placement, engine, replicas…) are the platform's
 * defaults; each entry under `databases` overrides them for one service, so a read-heavy catalog can
 * live on the cluster with replicas while orders sit on a managed database. Config is validated for every
 * service before anything is created.
 */
export = async () => {
    const project = pulumi.getProject();
    const config = pulumi.runtime.allConfig();
    const stack = resolveStack(readRawConfig(config, project), project, { config, env: process.env });
    assertImplemented(stack.databases);

    const databases: Record<string, pulumi.Output<ContractValues>> = {};
    for (const spec of stack.databases) {
        databases[spec.name] = contractOutputs(new Database(spec.name, { spec }));
    }
    return {
        // Per service: host, ports, database, username, connectionSecret and readConnectionSecret (secrets).
        databases: pulumi.output(databases),
        placements: Object.fromEntries(stack.databases.map((s: DatabaseSpec) => [s.name, `${s.placement}/${s.engine}`])),
    };
};
