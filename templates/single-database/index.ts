import * as pulumi from "@pulumi/pulumi";
import { assertImplemented, ConfigError, Database, readRawConfig, resolveStack } from "dbplace";

/**
 * ${DESCRIPTION}
 *
 * One database. Where it lives is the stack's `placement` config, so the same program runs in Docker on
 * a laptop, in a cluster for staging and as a managed database in production. Config is validated
 * before anything is created; a mistake fails `pulumi preview` with a sentence naming the key.
 */
export = async () => {
    const project = pulumi.getProject();
    const config = pulumi.runtime.allConfig();
    const stack = resolveStack(readRawConfig(config, project), project, { config, env: process.env });
    if (stack.databases.length !== 1) {
        throw new ConfigError([`${project}:databases lists ${stack.databases.length} databases; this program manages exactly one (use the service-platform template for several).`]);
    }
    assertImplemented(stack.databases);
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
    };
};
