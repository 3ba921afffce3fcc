import * as pulumi from "@pulumi/pulumi";
import type { AwsSharedInfrastructure } from "./aws/stack";
import type { DatabaseSpec } from "./config/validate";
import type { GcpSharedInfrastructure } from "./gcp/stack";

/**
 * What the databases of one stack share, built once from every spec of the stack and passed to each
 * placement: per cloud, the stack network (one per network config) and the Kubernetes cluster that
 * `cluster.create` asks for. The same rules on AWS and GCP (docs/gcp.md, "What a stack shares");
 * registries stay per database. Each piece is created by the first database that needs it and sized
 * from all of them, so the result never depends on the order databases are built in. A cloud's part is
 * loaded on first use: a stack never loads the SDK of a cloud it does not use.
 */
export class StackInfrastructure {
    private awsPart?: AwsSharedInfrastructure;
    private gcpPart?: GcpSharedInfrastructure;

    /** `specs`: every database of the stack (the program's resolved config). */
    constructor(public readonly specs: readonly DatabaseSpec[]) {}

    get aws(): AwsSharedInfrastructure {
        const { AwsSharedInfrastructure } = require("./aws/stack") as typeof import("./aws/stack");
        return (this.awsPart ??= new AwsSharedInfrastructure(this.specs.filter((s) => s.cloud === "aws")));
    }

    get gcp(): GcpSharedInfrastructure {
        const { GcpSharedInfrastructure } = require("./gcp/stack") as typeof import("./gcp/stack");
        return (this.gcpPart ??= new GcpSharedInfrastructure(this.specs.filter((s) => s.cloud === "gcp")));
    }
}

/**
 * The parent of a cloud's shared pieces (`dbplace:<cloud>:Shared`, named `shared`), created with the
 * first of them: they belong to the stack, not to the database that happened to need them first.
 */
class SharedComponent extends pulumi.ComponentResource {
    constructor(cloud: string) {
        super(`dbplace:${cloud}:Shared`, "shared", {}, {});
    }
}

/** What a cloud's part of the stack infrastructure has in common: the stack's specs and the shared parent. */
export abstract class CloudInfrastructure {
    private component?: SharedComponent;

    /** `specs`: the stack's databases on `cloud`. */
    constructor(private readonly cloud: string, private readonly specs: readonly DatabaseSpec[]) {}

    /** The stack's databases, with `spec` when a library caller builds one the stack did not list. */
    protected including(spec: DatabaseSpec): readonly DatabaseSpec[] {
        return this.specs.some((s) => s.name === spec.name) ? this.specs : [...this.specs, spec];
    }

    /**
     * Options for a shared piece: under the cloud's shared component, and still itself in stacks that
     * created it without a parent (the alias names its former URN under the stack).
     */
    protected pieceOptions(): pulumi.ComponentResourceOptions {
        return { parent: (this.component ??= new SharedComponent(this.cloud)), aliases: [{ parent: pulumi.rootStackResource }] };
    }
}
