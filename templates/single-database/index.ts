import * as pulumi from "@pulumi/pulumi";
import { checkStack, ConfigError, Database, resolveStackConfig } from "dbplace";

/**
 * ${DESCRIPTION}
 *
 * One database. Where it lives is the stack's `placement` config, so the same program runs in Docker on
 * a laptop, in a cluster for staging and as a managed database in production. Config is validated
 * before anything is created; a mistake fails `pulumi preview` with a sentence naming the key.
 */
export = async () => {
    const project = pulumi.getProject();
    const stack = resolveStackConfig(pulumi.runtime.allConfig(), project);
    if (stack.databases.length !== 1) {
        throw new ConfigError([`${project}:databases lists ${stack.databases.length} databases; this program manages exactly one (use the service-platform template for several).`]);
    }
    await checkStack(stack.databases, project);
    const [spec] = stack.databases;
    const db = new Database(spec.name, { spec });

    // Applications read these: `pulumi stack output connectionSecret --show-secrets`.
    return {
        placement: db.placement,
        engine: db.engine,
        host: db.host,
        port: db.port,
        readHost: db.readHost,
        readPort: db.readPort,
        database: db.database,
        username: db.username,
        connectionSecret: db.connectionSecret,
        readConnectionSecret: db.readConnectionSecret,
        // The CA the connection strings' sslmode=verify-full checks the server against (empty where the cloud's own CA applies).
        caCert: db.caCert,
    };
};
