// npm run bake -- --dump FILE|URL --image NAME [options]
// npm run bake -- --from-master CONTAINER|URI --image NAME [options]
// Bakes a pg_dump -Fc into a read-replica image (see docs/baked-replicas.md).
import { BakeError, BakeResult, bake, bakeDaemonless, dumpFromMaster, inspectDump, scramVerifier } from "../components/bake";
import { inspectMysqlDump, mysqlNativeHash } from "../components/bake/mysql-context";
import { parseArgs } from "../lib/cli-args";

const HELP = `Bake a PostgreSQL (or MySQL/MariaDB) dump into a read-replica image (data restored into the image).

Usage:
  npm run bake -- --dump FILE|URL --image NAME [options]
  npm run bake -- --from-master CONTAINER|URI --image NAME [options]

Source (one of):
  --dump FILE|URL          pg_dump -Fc file, file:// or http(s):// URL
  --from-master X          take a fresh pg_dump -Fc from a running master: a
                           container name, or a postgresql:// URI

Options:
  --engine postgres|mysql  engine of the dump (default postgres); mysql takes a
                           mysqldump --single-transaction file of one database,
                           the docker builder and a MySQL/MariaDB base image
                           (e.g. dbplace/mariadb:10.11, from
                           tools/docker/mariadb-base-image.sh)
  --image NAME             image repository (required); the tag is the first 16
                           hex digits of the dump's sha256
  --base-image IMAGE       engine image (default dbplace/postgres:15; build it
                           with tools/docker/base-image.sh)
  --major N                PostgreSQL major of the base image (default: from the
                           base image tag, else 15)
  --database NAME          database to restore into (default: the dump's)
  --source TEXT            recorded in the image labels and metadata table
  --reader-password-env V  read the reader role's password from env var V
                           (default DBPLACE_READER_PASSWORD; unset = no password
                           login, only 127.0.0.1 trust for probes/sidecars)
  --restore-jobs N         1 = --single-transaction (default), N>1 = pg_restore -j N
  --builder B              daemonless (default): restore with this host's
                           PostgreSQL, write the layer with tools/baker; needs
                           no Docker daemon with --push or --output
                           docker: docker build, as before (needs dockerd)
  --push                   push NAME:TAG to its registry (plain HTTP on
                           127.0.0.1); default: load into the local engine
  --output oci:DIR|docker-archive:FILE
                           write an OCI layout or a docker-load archive instead
  --compression gzip|none  data layer compression (daemonless; default gzip, none
                           for a docker load)
  --tag-latest             also tag NAME:latest
  --dump-out FILE          with --from-master: where to keep the dump
  --json                   print the result as JSON on stdout
  -v, --verbose            show every docker build line
  -h, --help               this text

Exit codes: 0 baked, 1 bake failed (message says why), 2 bad usage.`;

interface Args { [k: string]: string | boolean | undefined }

function parse(argv: string[]): Args {
  return parseArgs(argv, { flags: ["tag-latest", "json", "verbose", "help", "push"], aliases: { v: "verbose", h: "help" } }).options;
}

async function main(): Promise<number> {
  let a: Args;
  try {
    a = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`bake: ${(e as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (a.help) {
    console.log(HELP);
    return 0;
  }
  const str = (k: string) => (typeof a[k] === "string" ? (a[k] as string) : undefined);
  if (!str("image") || !str("dump") === !str("from-master")) {
    console.error(`bake: need --image and exactly one of --dump or --from-master (see --help).`);
    return 2;
  }
  const log = (l: string) => console.error(l);
  const progress = (l: string) => {
    if (a.verbose || /^(bake|dump):|^Step \d+\/\d+ : (RUN|COPY|FROM)|DBPLACE-BAKE-(STEP|WARNING|INFO|ERROR)/.test(l.trim()))
      log(l.replace(/^.*DBPLACE-BAKE-STEP: /, "bake:   ").replace(/^.*DBPLACE-BAKE-/, "bake:   "));
  };
  const engine = str("engine") ?? "postgres";
  if (engine !== "postgres" && engine !== "mysql") {
    console.error(`bake: --engine must be postgres or mysql, got "${engine}".`);
    return 2;
  }
  const mysql = engine === "mysql";
  if (mysql && (str("from-master") || str("builder") === "daemonless")) {
    console.error("bake: --engine mysql bakes a --dump file with --builder docker (the daemonless baker and --from-master are PostgreSQL only).");
    return 2;
  }
  const builder = str("builder") ?? (mysql ? "docker" : "daemonless");
  if (builder !== "daemonless" && builder !== "docker") {
    console.error(`bake: --builder must be daemonless or docker, got "${builder}".`);
    return 2;
  }
  if (a.push && str("output")) {
    console.error("bake: --push and --output are alternatives; give one.");
    return 2;
  }
  const baseImage = str("base-image") ?? (mysql ? "dbplace/mariadb:10.11" : "dbplace/postgres:15");
  const major = str("major") ?? (mysql ? /:(\d+(?:\.\d+)?)/.exec(baseImage)?.[1] ?? "8.0" : /:(\d+)/.exec(baseImage)?.[1] ?? "15");
  try {
    let dump = str("dump");
    const master = str("from-master");
    if (master) {
      const isUri = /^postgres(ql)?:\/\//.test(master);
      dump = await dumpFromMaster({
        ...(isUri ? { uri: master } : { container: master }),
        database: str("database"), outFile: str("dump-out"), toolImage: baseImage, onProgress: progress,
      });
    }
    let database = str("database");
    if (!database && dump && !/^https?:/.test(dump)) {
      const file = dump.replace(/^file:\/\//, "");
      database = mysql ? inspectMysqlDump(file).database : inspectDump(file).dbName;
    }
    if (!database) {
      console.error("bake: --database is required for URL dumps (the database name is not known before download).");
      return 2;
    }
    const pwVar = str("reader-password-env") ?? "DBPLACE_READER_PASSWORD";
    const pw = process.env[pwVar];
    const restoreJobs = str("restore-jobs") ? Number(str("restore-jobs")) : undefined;
    const opts = {
      engine: engine as "postgres" | "mysql", majorVersion: major, dump: dump as string, baseImage, database,
      source: str("source") ?? (master ? `master ${master.replace(/:[^:@/]*@/, ":***@")}` : undefined),
      image: str("image") as string, readerVerifier: pw ? (mysql ? mysqlNativeHash(pw) : scramVerifier(pw)) : undefined, restoreJobs,
      alsoTag: a["tag-latest"] ? ["latest"] : [], onProgress: progress,
    };
    let r: BakeResult & { ref?: string };
    if (builder === "docker") {
      if (a.push || str("output")) {
        console.error("bake: --push and --output need --builder daemonless (the docker builder leaves the image in the local engine).");
        return 2;
      }
      r = await bake(opts);
    } else {
      const compression = str("compression");
      if (compression !== undefined && compression !== "gzip" && compression !== "none") {
        console.error(`bake: --compression must be gzip or none, got "${compression}".`);
        return 2;
      }
      r = await bakeDaemonless({ ...opts, output: a.push ? "push" : str("output") ?? "load", compression });
    }
    for (const w of r.warnings) log(`bake: warning: ${w}`);
    if (a.json) console.log(JSON.stringify(r, null, 2));
    else {
      const mb = (n?: number) => (n === undefined ? "?" : `${(n / 1e6).toFixed(1)} MB`);
      console.log(`${r.ref ?? r.image}\t(database ${mb(r.dbBytes)}, data layer ${mb(r.dataDirBytes)}, ${r.seconds.toFixed(1)} s)`);
    }
    return 0;
  } catch (e) {
    if (e instanceof BakeError) {
      console.error(`bake: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`bake: unexpected error: ${e instanceof Error ? e.stack : String(e)}`);
  process.exit(1);
});
