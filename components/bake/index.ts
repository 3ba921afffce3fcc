// Bake library: image-baked read replicas ("Long live the image", Li, ICSA
// 2021). Pure Node/TypeScript, no @pulumi imports: the CLI scripts, the e2e
// tests and the Pulumi component all use this same code.
export { BAKED, BakeError, defaultCacheDir } from "./types";
export type { BakeContext, BakeErrorCode, BakeSpec, DumpInfo, Engine } from "./types";
export { prepareBakeContext, labelsFor } from "./context";
export type { PreparedBake } from "./context";
export { bake } from "./bake";
export type { BakeOptions, BakeResult } from "./bake";
export { bakeDaemonless } from "./daemonless";
export type { DaemonlessBakeOptions, DaemonlessBakeResult } from "./daemonless";
export { dumpFromMaster } from "./master";
export type { DumpFromMasterOptions } from "./master";
export { scramVerifier, isScramVerifier } from "./scram";
export { inspectDump } from "./dumpfile";
export { renderDockerfile } from "./dockerfile";
export { START_SCRIPT, START_SCRIPT_PATH, SECRETS_DIR, RUN_DIR, SECRET_FILES, STANDBY_PGDATA } from "./start-script";
export { BAKED_MYSQL, MYSQL_REPLICA_CNF } from "./restore-mysql";
export { inspectMysqlDump, mysqlNativeHash } from "./mysql-context";
export type { MysqlDumpInfo } from "./mysql-context";
