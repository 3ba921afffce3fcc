import { Engine } from "./schema";

/** What the placements need to know about an engine, in one table instead of `if (engine === …)`. */
export interface EngineProfile {
    port: number;
    /** URI scheme of the connection secret. */
    scheme: string;
    /** Superuser the program creates and hands out in the contract. */
    username: string;
    defaultImage(version: string): string;
    defaultExporterImage: string;
    exporterPort: number;
    /** Where the official image keeps its data; volumes mount here. */
    dataMountPath: string;
    /** Environment of the official image: password, user, database. */
    env: { password: string; user?: string; database: string };
    /** Fixed variables the official image needs to initialise (mysql refuses to start without a root password choice). */
    fixedEnv: Record<string, string>;
    /**
     * Shell command that succeeds only once the server answers a real query (docker healthcheck,
     * Kubernetes exec probe via `sh -c`). Reads the user from the image's own env variables.
     */
    readyShell(database: string): string;
    /** Logical dump to stdout in the format the bake/restore path expects. */
    dumpCommand(database: string): string;
}

export const ENGINE_PROFILES: Record<Engine, EngineProfile> = {
    postgres: {
        port: 5432,
        scheme: "postgresql",
        username: "dbadmin",
        defaultImage: (v) => `postgres:${v}`,
        defaultExporterImage: "quay.io/prometheuscommunity/postgres-exporter:v0.17.1",
        exporterPort: 9187,
        dataMountPath: "/var/lib/postgresql/data",
        env: { password: "POSTGRES_PASSWORD", user: "POSTGRES_USER", database: "POSTGRES_DB" },
        fixedEnv: {},
        readyShell: (db) => `psql -h 127.0.0.1 -U "$POSTGRES_USER" -d ${db} -tAc 'SELECT 1'`,
        dumpCommand: (db) => `pg_dump --format=custom --no-owner --dbname="$DATABASE_URL" > "$OUT"  # ${db}`,
    },
    mysql: {
        port: 3306,
        scheme: "mysql",
        username: "dbadmin",
        defaultImage: (v) => `mysql:${v}`,
        defaultExporterImage: "prom/mysqld-exporter:v0.17.2",
        exporterPort: 9104,
        dataMountPath: "/var/lib/mysql",
        env: { password: "MYSQL_PASSWORD", user: "MYSQL_USER", database: "MYSQL_DATABASE" },
        // Nobody should hold root: the app user gets the database, root's password is random and unused.
        fixedEnv: { MYSQL_RANDOM_ROOT_PASSWORD: "yes" },
        readyShell: (db) => `MYSQL_PWD="$MYSQL_PASSWORD" mysql -h 127.0.0.1 -u "$MYSQL_USER" ${db} -e 'SELECT 1'`,
        dumpCommand: (db) => `mysqldump --single-transaction --routines ${db} > "$OUT"`,
    },
};
