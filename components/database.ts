import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./config/errors";
import { Engine, Placement } from "./config/schema";
import { DatabaseSpec } from "./config/validate";
import { DatabaseContract } from "./contract";
import { placementFactory } from "./placements";
import { StackInfrastructure } from "./shared";

export interface DatabaseArgs {
    /** The resolved spec from `resolveStack` (validated, defaults applied). Shapes the resource graph, so it is plain, not Input. */
    readonly spec: DatabaseSpec;
    /**
     * What the stack's databases share (network, cluster per cloud): build one `StackInfrastructure` from
     * every spec of the stack and pass it to each of its databases. Default: shared with no other database.
     */
    readonly shared?: StackInfrastructure;
}

/**
 * One database, wherever its stack puts it. The facade keeps a stable URN across placements so a
 * placement switch shows up as "children replaced" — which deletion protection then refuses.
 */
export class Database extends pulumi.ComponentResource implements DatabaseContract {
    public readonly host: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    public readonly readHost: pulumi.Output<string>;
    public readonly readPort: pulumi.Output<number>;
    public readonly database: pulumi.Output<string>;
    public readonly username: pulumi.Output<string>;
    public readonly connectionSecret: pulumi.Output<string>;
    public readonly readConnectionSecret: pulumi.Output<string>;
    public readonly caCert: pulumi.Output<string>;
    public readonly placement: Placement;
    public readonly engine: Engine;
    /** The placement component that owns the real resources. */
    public readonly implementation: pulumi.ComponentResource & DatabaseContract;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:index:Database", name, {}, opts);
        const { spec } = args;
        // The program checks the registry before registering anything (assertImplemented); this is the library path.
        const factory = placementFactory(spec.cloud, spec.placement);
        if (!factory) {
            throw new ConfigError([`placement "${spec.placement}" on cloud "${spec.cloud}" is not implemented in this version of the template.`]);
        }
        const impl = factory(name, spec, { parent: this }, args.shared ?? new StackInfrastructure([spec]));
        this.implementation = impl;
        this.host = impl.host;
        this.port = impl.port;
        this.readHost = impl.readHost;
        this.readPort = impl.readPort;
        this.database = impl.database;
        this.username = impl.username;
        this.connectionSecret = pulumi.secret(impl.connectionSecret);
        this.caCert = impl.caCert;
        this.readConnectionSecret = pulumi.secret(impl.readConnectionSecret);
        this.placement = spec.placement;
        this.engine = spec.engine;
        this.registerOutputs({
            host: this.host,
            port: this.port,
            readHost: this.readHost,
            readPort: this.readPort,
            database: this.database,
            username: this.username,
            connectionSecret: this.connectionSecret,
            readConnectionSecret: this.readConnectionSecret,
        });
    }
}
