import * as fs from "node:fs";
import { BakeContext, BakeError, prepareBakeContext } from "../bake";
import { ConfigError } from "../config/errors";
import { DatabaseSpec } from "../config/validate";

/**
 * Checks every dump a stack will bake before any resource is registered: a truncated dump, a plain-SQL
 * file or a dump from a newer server fails `pulumi up` up front, with the key to fix, instead of
 * halfway through — the running replicas and their image stay untouched.
 */
export function preflightBakes(specs: readonly DatabaseSpec[], project: string): void {
    const problems: string[] = [];
    for (const spec of specs) {
        if (spec.replicas.kind !== "baked" || spec.replicas.dump === undefined) continue;
        try {
            preparedBake(spec);
        } catch (e) {
            if (!(e instanceof BakeError)) throw e;
            problems.push(`${project}:replicas.dump of database "${spec.name}" is "${spec.replicas.dump}": ${e.message}`);
        }
    }
    if (problems.length > 0) throw new ConfigError(problems);
}

const prepared = new Map<string, BakeContext>();

/**
 * The bake context for a database, prepared once per dump version: the preflight validates it and the
 * placement then builds from the same context, instead of hashing and copying the dump a second time.
 * Keyed by the spec and, for files, their size and mtime, so a dump rewritten in place is re-read.
 */
export function preparedBake(spec: DatabaseSpec): BakeContext {
    const b = bakeSpec(spec);
    const file = b.dump?.replace(/^file:\/\//, "");
    const stat = file === undefined || /^https?:\/\//.test(file) ? undefined : fs.statSync(file, { throwIfNoEntry: false });
    const key = JSON.stringify([b, stat?.size, stat?.mtimeMs]);
    let context = prepared.get(key);
    if (!context) prepared.set(key, (context = prepareBakeContext(b)));
    return context;
}

/** The bake library's view of a database spec; shared by the preflight and the placements. */
export function bakeSpec(spec: DatabaseSpec) {
    return {
        engine: spec.engine,
        majorVersion: spec.engineVersion,
        dump: spec.replicas.dump,
        baseImage: spec.image,
        database: spec.databaseName,
        source: spec.replicas.dump === undefined ? `${spec.name} master, empty before its first dump` : `${spec.name} master`,
    };
}
