import * as pulumi from "@pulumi/pulumi";

/**
 * Component type tokens are `dbplace:<folder>:<Type>`, the folder naming the cloud or placement once.
 * Stacks deployed under an earlier token keep their resources: each renamed component is registered
 * with an alias to its former token (`formerTypeAliases`), and the engine carries that alias down to
 * its children, whose URNs hold the parent's type.
 *
 * Current token → the token stacks may still hold.
 */
export const FORMER_TYPES: Readonly<Record<string, string>> = {
    "dbplace:aws:Monitoring": "dbplace:aws:Alerts",
    "dbplace:cluster:BakedReplicas": "dbplace:cluster:ClusterBakedReplicas",
    "dbplace:cluster:Database": "dbplace:cluster:ClusterDatabase",
    "dbplace:cluster:StreamingReplicas": "dbplace:cluster:ClusterStreamingReplicas",
    "dbplace:docker:BakedMysqlReplicas": "dbplace:docker:DockerBakedMysqlReplicas",
    "dbplace:docker:BakedReplicas": "dbplace:docker:DockerBakedReplicas",
    "dbplace:docker:Database": "dbplace:docker:DockerDatabase",
    "dbplace:docker:StreamingReplicas": "dbplace:docker:DockerStreamingReplicas",
    "dbplace:gcp:BakedReplicas": "dbplace:gcp:GcpBakedReplicas",
    "dbplace:gcp:ClusterDatabase": "dbplace:gcp:GcpClusterDatabase",
    "dbplace:gcp:ManagedDatabase": "dbplace:gcp:GcpManagedDatabase",
    "dbplace:gcp:Monitoring": "dbplace:gcp:GcpMonitoring",
    "dbplace:gcp:Network": "dbplace:gcp:GcpNetwork",
    "dbplace:gcp:VmDatabase": "dbplace:gcp:GcpVmDatabase",
};

const CURRENT_TYPES = new Map(Object.entries(FORMER_TYPES));

/** The former token of `type`, or `type` itself when it was never renamed. */
export function formerType(type: string): string {
    return CURRENT_TYPES.get(type) ?? type;
}

/**
 * The URN `urn` had before the renames: every renamed token of its qualified type (the parent chain
 * and the resource's own) replaced by its former token.
 */
export function formerUrn(urn: string): string {
    const parts = urn.split("::");
    if (parts.length < 4) return urn;
    const typeAt = parts.length - 2;
    parts[typeAt] = parts[typeAt].split("$").map(formerType).join("$");
    return parts.join("::");
}

/**
 * `opts` with the aliases that keep a component of type `type` in stacks deployed under its former
 * token: the former token under the current name and parent (the engine pairs it with the parent's own
 * aliases), and each alias `opts` already carries, once more under the former token. An alias that names
 * its parent explicitly is not paired by the engine, so its copy names the parent's former URN.
 */
export function formerTypeAliases(type: string, opts: pulumi.ComponentResourceOptions | undefined): pulumi.ComponentResourceOptions {
    const former = FORMER_TYPES[type];
    if (!former) throw new Error(`formerTypeAliases: ${type} was never renamed (see FORMER_TYPES)`);
    const given = opts?.aliases ?? [];
    const retyped = given.flatMap((alias): pulumi.Input<pulumi.Alias | string>[] => {
        if (typeof alias === "string" || pulumi.Output.isInstance(alias)) return [];
        const a = alias as pulumi.Alias;
        if (a.parent === undefined) return [{ ...a, type: former }];
        return [{ ...a, type: former, parent: formerParentUrn(a.parent) }];
    });
    return { ...opts, aliases: [...given, { type: former }, ...retyped] };
}

/** The URN `parent` (a resource or a URN) had before the renames. */
export function formerParentUrn(parent: pulumi.Resource | pulumi.Input<string>): pulumi.Output<string> {
    const urn = pulumi.Resource.isInstance(parent) ? parent.urn : pulumi.output(parent);
    return urn.apply(formerUrn);
}

/**
 * The URNs a former per-database piece (`name`, of type `type`, under `parent`) may have: under the
 * parent's current URN, and under the URN the parent and the piece had before the renames.
 */
export function formerParentUrns(name: string, type: string, parent: pulumi.Resource): pulumi.Output<string>[] {
    const current = pulumi.createUrn(name, type, parent);
    return [current, pulumi.createUrn(name, formerType(type), formerParentUrn(parent))];
}
