// Public types and constants of the bake library. Kept free of @pulumi
// imports: the CLI, the tests and the Pulumi component all share them.
import * as os from "os";
import * as path from "path";

export type Engine = "postgres" | "mysql";

export interface BakeSpec {
  engine: Engine;
  /** Major version of the base image, e.g. "15"; dumps from newer servers are refused. */
  majorVersion: string;
  /**
   * Dump to bake: a file path, a file:// URL or an http(s):// URL. Custom format (pg_dump -Fc).
   * Undefined: bake the empty database (what a new master holds before its first dump).
   */
  dump?: string;
  /** Image holding the engine binaries, e.g. dbplace/postgres:15. Its VOLUMEs are not inherited. */
  baseImage: string;
  /** Database the dump is restored into (and that replicas serve). */
  database: string;
  /** Free text recorded in the metadata table and labels, e.g. "prod/app master". */
  source?: string;
  /**
   * pg_restore parallelism. 1 (default) = --single-transaction, which with
   * wal_level=minimal skips WAL for all table data; >1 = pg_restore -j N.
   * See docs/baked-replicas.md for the measurements behind the default.
   */
  restoreJobs?: number;
  /** SCRAM verifier for BAKED.readerRole (see scramVerifier); empty = no password login. */
  readerVerifier?: string;
}

export interface BakeContext {
  /** Docker build context directory (contains the dump, hard-linked or copied). */
  dir: string;
  /** Absolute path of the Dockerfile inside dir (any builder: multi-stage, the dump in a build stage). */
  dockerfile: string;
  /** BuildKit-only Dockerfile (RUN --mount): the dump is bound, never copied into a layer or stage. */
  dockerfileBuildkit: string;
  /** sha256 hex of the dump file. */
  digest: string;
  /** Image tag derived from the digest (first 16 hex digits). */
  tag: string;
  /** Labels the built image carries (also set in the Dockerfile from build args). */
  labels: Record<string, string>;
  /** Build args to pass to `docker build` (values are stable for a given dump + spec). */
  buildArgs: Record<string, string>;
}

/** What a dump's header and table of contents told us. */
export interface DumpInfo {
  archiveVersion: string;
  /** Creation time recorded by pg_dump (its local time; our containers run in UTC). */
  createdAt: Date;
  dbName: string;
  serverVersion: string;
  serverMajor: number;
  pgDumpVersion: string;
  pgDumpMajor: number;
  compression: string;
  tocEntries: number;
  dataBlocks: number;
  /** False when pg_dump wrote to a pipe: no data offsets, so pg_restore -j cannot be used. */
  seekable: boolean;
  encoding?: string;
  locale?: string;
  sizeBytes: number;
  /** Byte range [start, end) of the creation time in the header: all that differs between two dumps of unchanged data. */
  createdAtBytes: [number, number];
}

export type BakeErrorCode =
  | "invalid-spec"
  | "unsupported"
  | "dump-missing"
  | "dump-format"
  | "dump-truncated"
  | "engine-mismatch"
  | "download"
  | "docker"
  | "base-image"
  | "restore"
  | "host-engine"
  | "baker"
  | "registry"
  | "roll"
  | "disk-full";

/** Every failure the library reports on purpose: message is a sentence a user can act on. */
export class BakeError extends Error {
  constructor(
    readonly code: BakeErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = "BakeError";
  }
}

const DATA_DIR = "/var/lib/dbplace/data";
const READER = "dbplace_reader";
const META = "dbplace.bake";

/** The contract of a baked replica image, shared with the Pulumi component and probes. */
export const BAKED = {
  /** Restored PGDATA. Deliberately outside /var/lib/postgresql/data (the base image's VOLUME). */
  dataDir: DATA_DIR,
  port: 5432 as const,
  /** Read-only login role; password only via a SCRAM verifier build arg. */
  readerRole: READER,
  /** One row: source, dump digest, dump time, bake time. */
  metadataTable: META,
  /** Seconds since the dump was taken (the real staleness of what replicas serve). */
  ageQuery: `SELECT floor(extract(epoch FROM now() - dumped_at))::bigint AS age_seconds FROM ${META} ORDER BY baked_at DESC LIMIT 1`,
  /**
   * Exec probe that passes only once the database answers a query (not just accepts connections): the
   * superuser over the unix socket with peer authentication, so the probe needs no password and the
   * reader none of the trust it used to have.
   */
  readinessCommand(database: string): string[] {
    return ["/usr/local/bin/dbplace-start", "probe", database, `SELECT 1 FROM ${META} LIMIT 1`];
  },
};

/** Default cache root shared with the shell tools: ${DBPLACE_CACHE:-$HOME/.cache/dbplace}. */
export function defaultCacheDir(): string {
  if (process.env.DBPLACE_CACHE) return process.env.DBPLACE_CACHE;
  return path.join(process.env.HOME || os.homedir(), ".cache", "dbplace");
}
