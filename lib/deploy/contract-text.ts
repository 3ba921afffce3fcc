/** The part of the contract a person reads after `npm run up`; secrets stay out of the terminal. */
export function describeContract(name: string, c: Record<string, unknown>): string {
    const rows: [string, string][] = [
        ["master", `${c.host}:${c.port}  database ${c.database}  user ${c.username}`],
        ["reads", c.readHost === c.host && c.readPort === c.port ? "the master (no replicas)" : `${c.readHost}:${c.readPort}`],
    ];
    return [`${name}: ${c.engine} on ${c.placement}`, ...rows.map(([k, v]) => `  ${k.padEnd(8)}${v}`)].join("\n");
}

/**
 * Copy-paste lines that connect as the application and as a reader. The password is fetched when the
 * line runs (`npm run -s outputs`), so it never lands in the terminal or the shell history.
 */
export function connectLines(stack: string, name: string, c: Record<string, unknown>, caFile?: string): string[] {
    // sslmode=verify-full needs the CA: libpq reads it from PGSSLROOTCERT; MySQL's ssl-mode=VERIFY_IDENTITY from --ssl-ca.
    const client = c.engine === "mysql" ? `mysqlsh --sql${caFile ? ` --ssl-ca=${caFile}` : ""}` : `${caFile ? `PGSSLROOTCERT=${caFile} ` : ""}psql`;
    const reachable = c.host === "127.0.0.1";
    const line = (key: string) => `${client} "$(npm run -s outputs -- ${stack} ${name}.${key})"`;
    if (!reachable) return [`  connect from inside the network: npm run -s outputs -- ${stack} ${name}.connectionSecret`];
    const out = [`  connect ${line("connectionSecret")}`];
    if (c.readConnectionSecret !== c.connectionSecret) out.push(`  replica ${line("readConnectionSecret")}`);
    return out;
}
