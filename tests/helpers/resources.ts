import * as assert from "node:assert/strict";
import { MockRun, RecordedResource } from "../../lib/mock-runner";

/** Finds exactly one resource by type and logical name, with a helpful failure listing what exists. */
export function one(run: MockRun, type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(found.length, 1, `expected one ${type} named ${name}; registered:\n${list(run)}`);
    return found[0];
}

export function ofType(run: MockRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function list(run: MockRun): string {
    return run.resources.map((r) => `  ${r.type} ${r.name}`).join("\n");
}

/** Type → sorted names: compact expectations for table-driven tests. */
export function inventory(run: MockRun): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const r of run.resources) (out[r.type] ??= []).push(r.name);
    for (const k of Object.keys(out)) out[k].sort();
    return out;
}

/** Asserts the program failed with a message matching every pattern and registered nothing. */
export async function expectConfigError(run: () => Promise<MockRun>, ...patterns: RegExp[]): Promise<void> {
    let error: Error | undefined;
    try {
        await run();
    } catch (e) {
        error = e as Error;
    }
    assert.ok(error, "expected the program to fail");
    assert.equal(error.name, "ConfigError", `expected a ConfigError, got ${error.name}: ${error.message}`);
    const registered = (error as { registered?: { type: string; name: string }[] }).registered ?? [];
    assert.deepEqual(registered.map((r) => `${r.type} ${r.name}`), [], "a config error must stop the program before any resource is registered");
    for (const p of patterns) assert.match(error.message, p);
}
