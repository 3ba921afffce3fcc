import * as pulumi from "@pulumi/pulumi";
import { INVOKE_HOOKS, STATE_HOOKS } from "./mocks";
import { projectDefaults, readProject, toPulumiConfig } from "./stacks";

export { toPulumiConfig };

/**
 * The one way this project runs a Pulumi program without an engine: tests, `npm run plan` and
 * `npm run compare` all call `runProgram`. It records every registration with the options the engine
 * would see (protect, parent, secrets), which the public mocks API does not expose, by wrapping the
 * SDK's MockMonitor — pinned by the exact @pulumi/pulumi version in package.json.
 */
export interface RecordedResource {
    type: string;
    name: string;
    urn: string;
    custom: boolean;
    inputs: Record<string, any>;
    /** Dotted paths of inputs that were passed as Pulumi secrets. */
    secretPaths: string[];
    protect: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    parent?: string;
    parentUrn?: string;
    /** Logical name of the top-level `dbplace:index:Database` this resource belongs to, if any. */
    database?: string;
    provider?: string;
    dependsOn: string[];
    ignoreChanges: string[];
    aliases: string[];
    /** The aliases the SDK sent as specs (the engine resolves them): what a name-only `aliases` entry cannot show. */
    aliasSpecs?: AliasSpec[];
}

export interface AliasSpec {
    name?: string;
    type?: string;
    /** The former parent; with `noParent` the resource had none (the stack). Neither: the current parent. */
    parentUrn?: string;
    noParent?: boolean;
}

export interface MockRun {
    project: string;
    stack: string;
    resources: RecordedResource[];
    outputs: Record<string, any>;
}

export interface RunOptions {
    project?: string;
    stack: string;
    /** Config as a stack file holds it, keys with or without the project prefix; objects stay objects. */
    config: Record<string, unknown>;
    /** Returns the stack outputs; defaults to the project's program. */
    program?: () => Promise<Record<string, unknown> | void>;
    /**
     * Project config defaults merged under `config`, as the CLI does. Default: this repository's
     * Pulumi.yaml defaults when `project` is its name, none otherwise.
     */
    defaults?: Record<string, unknown>;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

let recording: RecordedResource[] | undefined;
/**
 * The monitor sees a registration before the mocks see its inputs: records wait here, per type and
 * name, for `newResource` to fill them in (in order, should two parents share a child name).
 */
let awaitingInputs = new Map<string, RecordedResource[]>();
let patched = false;

function patchMonitor(): void {
    if (patched) return;
    patched = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: any) {
        const raw = req.getObject()?.toJavaScript() ?? {};
        const record: RecordedResource = {
            type: req.getType(),
            name: req.getName(),
            urn: "",
            custom: req.getCustom(),
            inputs: {},
            secretPaths: secretPaths(raw),
            protect: Boolean(req.getProtect()),
            retainOnDelete: Boolean(req.getRetainondelete()),
            deleteBeforeReplace: Boolean(req.getDeletebeforereplace()),
            parent: nameFromUrn(req.getParent()),
            parentUrn: req.getParent() || undefined,
            provider: req.getProvider() || undefined,
            dependsOn: (req.getDependenciesList() as string[]).map((u) => nameFromUrn(u)!).filter(Boolean),
            ignoreChanges: req.getIgnorechangesList(),
            aliases: (req.getAliasesList?.() ?? []).map((a: any) => a.getUrn?.() || a.getSpec?.()?.getName?.() || "").filter(Boolean),
            aliasSpecs: (req.getAliasesList?.() ?? []).map((a: any) => a.getSpec?.()).filter(Boolean).map((s: any): AliasSpec => ({
                ...(s.getName() ? { name: s.getName() } : {}),
                ...(s.getType() ? { type: s.getType() } : {}),
                ...(s.getParenturn?.() ? { parentUrn: s.getParenturn() } : {}),
                ...(s.getNoparent?.() ? { noParent: true } : {}),
            })),
        };
        recording?.push(record);
        const key = `${record.type}::${record.name}`;
        awaitingInputs.set(key, [...(awaitingInputs.get(key) ?? []), record]);
        return original.call(this, req, (err: unknown, resp: any) => {
            if (resp) record.urn = resp.getUrn();
            callback(err, resp);
        });
    };
}

function nameFromUrn(urn: string | undefined): string | undefined {
    if (!urn) return undefined;
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Recorded inputs hold plain values; which of them were secrets is kept in `secretPaths`. */
function unwrapSecrets(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG] === SECRET_VALUE) return unwrapSecrets(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapSecrets(v)]));
}

function secretPaths(value: unknown, path = ""): string[] {
    if (value === null || typeof value !== "object") return [];
    const obj = value as Record<string, unknown>;
    if (obj[SECRET_SIG] === SECRET_VALUE) return [path || "."];
    return Object.entries(obj).flatMap(([k, v]) => secretPaths(v, path ? `${path}.${k}` : k));
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs are serialised: the Pulumi runtime is process-global. */
export function runProgram(opts: RunOptions): Promise<MockRun> {
    const run = queue.then(() => runOnce(opts));
    queue = run.catch(() => undefined);
    return run;
}

async function runOnce(opts: RunOptions): Promise<MockRun> {
    const project = opts.project ?? "dbplace";
    patchMonitor();
    const resources: RecordedResource[] = [];
    recording = resources;
    awaitingInputs = new Map();
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const hook = STATE_HOOKS[args.type];
                const state = { ...args.inputs, ...(hook ? hook(args) : {}) };
                const found = awaitingInputs.get(`${args.type}::${args.name}`)?.shift();
                if (found) found.inputs = unwrapSecrets(args.inputs) as Record<string, any>;
                return { id: args.id || `${args.name}-id`, state };
            },
            call: (args) => {
                const hook = INVOKE_HOOKS[args.token];
                if (!hook) throw new Error(`the mock runner has no answer for invoke ${args.token}; add one to lib/mocks`);
                return hook(args);
            },
        },
        project,
        opts.stack,
        false,
    );
    const defaults = opts.defaults ?? (project === readProject().name ? projectDefaults() : {});
    pulumi.runtime.setAllConfig({ ...toPulumiConfig(project, defaults), ...toPulumiConfig(project, opts.config) }, []);
    let outputs: Record<string, unknown> = {};
    // The SDK captures a stack trace per promise and per resource, and ts-node's source maps make each
    // capture costly: most of a mock run's time. Keep one frame while the program runs (DBPLACE_DEBUG=1
    // for full traces); one, not zero, because ts-node's source-map hook fails on an empty trace.
    const traceLimit = Error.stackTraceLimit;
    if (!process.env.DBPLACE_DEBUG) Error.stackTraceLimit = 1;
    try {
        const program = opts.program ?? (await import("../program")).program;
        await pulumi.runtime.runInPulumiStack(async () => {
            outputs = (await program()) ?? {};
            // Registrations that feed no output may still be in flight when the outputs resolve; drain
            // the SDK's RPC queue (an internal of the pinned version) so each lands in its own run.
            await waitForRPCs();
            return outputs;
        });
        const resolved = await resolve(outputs);
        assignDatabases(resources);
        return { project, stack: opts.stack, resources: resources.filter((r) => r.type !== "pulumi:pulumi:Stack"), outputs: resolved };
    } catch (e) {
        // Tests assert that bad config registers nothing: hand them what was registered before the throw.
        if (e && typeof e === "object") (e as { registered?: RecordedResource[] }).registered = resources.filter((r) => r.type !== "pulumi:pulumi:Stack");
        throw e;
    } finally {
        recording = undefined;
        Error.stackTraceLimit = traceLimit;
        forgetLeaks();
    }
}

function waitForRPCs(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
    return settings.waitForRPCs ? settings.waitForRPCs() : Promise.resolve();
}

/**
 * Promises a finished run left pending belong to that run, not to the process: clear the SDK's leak
 * candidates so its exit hook does not print a "leaked promises" warning under a tool's output.
 */
function forgetLeaks(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises?: () => unknown }).leakedPromises?.();
}

/** Walks each resource's parent chain up to its Database component, for per-database grouping. */
function assignDatabases(resources: RecordedResource[]): void {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    for (const r of resources) {
        let cursor: RecordedResource | undefined = r;
        while (cursor && cursor.type !== "dbplace:index:Database") cursor = cursor.parentUrn ? byUrn.get(cursor.parentUrn) : undefined;
        r.database = cursor?.name;
    }
}

/** Waits for every Output in the program's result; secrets come back as plain values. */
function resolve(value: unknown): Promise<Record<string, any>> {
    return new Promise((ok) => pulumi.output(value as pulumi.Input<Record<string, any>>).apply((v) => ok(v ?? {})));
}
