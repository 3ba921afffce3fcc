import * as pulumi from "@pulumi/pulumi";
import { checkStack, contractOutputs, ContractValues, Database, DatabaseSpec, resolveStackConfig, StackInfrastructure } from "dbplace";

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
    const stack = resolveStackConfig(pulumi.runtime.allConfig(), project);
    await checkStack(stack.databases, project);

    // One network (and cluster, with cluster.create) for every service, sized from all of them.
    const shared = new StackInfrastructure(stack.databases);
    const databases: Record<string, pulumi.Output<ContractValues>> = {};
    for (const spec of stack.databases) {
        databases[spec.name] = contractOutputs(new Database(spec.name, { spec, shared }));
    }
    return {
        // Per service: host, ports, database, username, connectionSecret and readConnectionSecret (secrets).
        databases: pulumi.output(databases),
        placements: Object.fromEntries(stack.databases.map((s: DatabaseSpec) => [s.name, `${s.placement}/${s.engine}`])),
    };
};
