/**
 * AWS API rules the program could otherwise break at `pulumi up`, as pure functions with the source
 * each one comes from (the AWS counterpart of config/gcp-rules.ts). validate.ts calls them, so a
 * stack that would break one fails before any resource exists, in `pulumi preview` and `npm run plan`.
 */
import { Engine } from "./schema";

/**
 * RDS instance identifiers and parameter group names: 1-63 (255) letters, digits and hyphens, starting
 * with a letter, not ending with a hyphen and never two hyphens in a row. The RDS placement names its
 * instances, replicas and parameter group after the database (`<name>-primary-<suffix>`, …), so a name
 * with `--` is refused by the API. Source: Amazon RDS API Reference, CreateDBInstance
 * (DBInstanceIdentifier constraints) and CreateDBParameterGroup (DBParameterGroupName constraints).
 */
export function rdsIdentifierProblem(database: string): string | undefined {
    return database.includes("--")
        ? `RDS names the instance and its parameter group after it, and RDS identifiers cannot contain two consecutive hyphens; use single dashes (e.g. "${database.replace(/-+/g, "-")}")`
        : undefined;
}

/**
 * PostgreSQL key words that cannot name a database unquoted: the "reserved" and "reserved (can be
 * function or type)" entries. Source: PostgreSQL 15-17 documentation, Appendix C "SQL Key Words".
 */
const POSTGRES_RESERVED = new Set(`all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create
current_catalog current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end
except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp not
null offset on only or order placing primary references returning select session_user some symmetric system_user table then to
trailing true union unique user using variadic when where window with
authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural notnull
outer overlaps right similar tablesample verbose`.split(/\s+/));

/** MySQL 8.0 reserved words (the (R) entries). Source: MySQL 8.0 Reference Manual, "Keywords and Reserved Words". */
const MYSQL_RESERVED = new Set(`accessible add all alter analyze and as asc asensitive before between bigint binary blob both by call cascade
case change char character check collate column condition constraint continue convert create cross cube cume_dist current_date
current_time current_timestamp current_user cursor database databases day_hour day_microsecond day_minute day_second dec decimal
declare default delayed delete dense_rank desc describe deterministic distinct distinctrow div double drop dual each else elseif
empty enclosed escaped except exists exit explain false fetch first_value float float4 float8 for force foreign from fulltext
function generated get grant group grouping groups having high_priority hour_microsecond hour_minute hour_second if ignore in
index infile inner inout insensitive insert int int1 int2 int3 int4 int8 integer intersect interval into io_after_gtids
io_before_gtids is iterate join json_table key keys kill lag last_value lateral lead leading leave left like limit linear lines
load localtime localtimestamp lock long longblob longtext loop low_priority master_bind master_ssl_verify_server_cert match
maxvalue mediumblob mediumint mediumtext middleint minute_microsecond minute_second mod modifies natural not no_write_to_binlog
nth_value ntile null numeric of on optimize optimizer_costs option optionally or order out outer outfile over partition
percent_rank precision primary procedure purge range rank read reads read_write real recursive references regexp release rename
repeat replace require resignal restrict return revoke right rlike row rows row_number schema schemas second_microsecond select
sensitive separator set show signal smallint spatial specific sql sqlexception sqlstate sqlwarning sql_big_result
sql_calc_found_rows sql_small_result ssl starting stored straight_join system table terminated then tinyblob tinyint tinytext to
trailing trigger true undo union unique unlock unsigned update usage use using utc_date utc_time utc_timestamp values varbinary
varchar varcharacter varying virtual when where while window with write xor year_month zerofill`.split(/\s+/));

/**
 * RDS creates the application database (DBName) at instance creation and refuses "a word reserved by the
 * database engine". Source: Amazon RDS API Reference, CreateDBInstance, DBName constraints (MySQL,
 * PostgreSQL: "Can't be a word reserved by the specified database engine").
 */
export function rdsDatabaseNameProblem(engine: Engine, databaseName: string): string | undefined {
    const reserved = engine === "postgres" ? POSTGRES_RESERVED : MYSQL_RESERVED;
    return reserved.has(databaseName.toLowerCase())
        ? `the database RDS creates for it would be named "${databaseName}", a reserved word of ${engine === "postgres" ? "PostgreSQL" : "MySQL"}, which RDS refuses as DBName; rename it (e.g. "${databaseName}s" or "${databaseName}-db")`
        : undefined;
}
