import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const BARREL = path.join(ROOT, "components", "index.ts");

/**
 * Imports the barrel in a fresh Node process (this one has long loaded everything) with no Pulumi config
 * and every way to register a resource or read config instrumented; prints what happened as JSON.
 */
const PROBE = `
const calls = [];
const pulumi = require("@pulumi/pulumi");
pulumi.runtime.setMocks({
    newResource: (a) => { calls.push("newResource " + a.type); return { id: "id", state: a.inputs }; },
    call: (a) => { calls.push("invoke " + a.token); return {}; },
}, "probe", "probe", false);
const watch = (mod, names, label) => {
    for (const n of names) {
        const original = mod[n];
        if (typeof original !== "function") continue;
        mod[n] = (...args) => { calls.push(label + "." + n + "(" + args.filter((a) => typeof a === "string").join(",") + ")"); return original(...args); };
    }
};
watch(require("@pulumi/pulumi/runtime/config"), ["allConfig", "getConfig", "isConfigSecret"], "config");
watch(require("@pulumi/pulumi/runtime/resource"), ["registerResource", "readResource", "registerResourceOutputs"], "resource");
watch(require("@pulumi/pulumi/runtime/invoke"), ["invoke", "invokeOutput", "call"], "invoke");
for (const m of ["get", "getObject", "getNumber", "getBoolean", "getSecret", "require", "requireObject", "requireSecret"]) {
    const original = pulumi.Config.prototype[m];
    pulumi.Config.prototype[m] = function (...args) { calls.push("Config." + m + "(" + args.join(",") + ")"); return original.apply(this, args); };
}
const pkg = require(process.argv[1]);
setTimeout(() => process.stdout.write(JSON.stringify({ calls, exports: Object.keys(pkg).sort() })), 300);
`;

function probe(): { calls: string[]; exports: string[] } {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_")));
    const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", PROBE, BARREL], { cwd: ROOT, env, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, `importing components/index.ts failed:\n${run.stderr}`);
    return JSON.parse(run.stdout);
}

/** `./x` from `file` → x.ts, or x/index.ts for a directory. */
function resolveModule(file: string, spec: string): string | undefined {
    const base = path.resolve(path.dirname(file), spec);
    return [`${base}.ts`, path.join(base, "index.ts")].find(fs.existsSync);
}

/**
 * Every module the public entry points re-export from, with the names they expose ("*" for all):
 * components/index.ts, and each components/<dir>/index.ts (what `import … from "dbplace/components/aws"` sees).
 */
function publicModules(): Map<string, Set<string> | "*"> {
    const out = new Map<string, Set<string> | "*">();
    const visit = (file: string, names: Set<string> | "*") => {
        const had = out.get(file);
        if (had === "*" || (had !== undefined && names !== "*" && [...names].every((n) => had.has(n)))) return;
        out.set(file, names === "*" || had === undefined ? names : new Set([...had, ...names]));
        const code = fs.readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
        for (const m of code.matchAll(/export (?:type )?(\*|\{([^}]*)\}) from "(\.[^"]+)"/g)) {
            const target = resolveModule(file, m[3]);
            if (!target) continue;
            const listed = m[1] === "*" ? "*" : new Set(m[2]!.split(",").map((n) => n.trim().split(/\s+as\s+/)[0]).filter(Boolean));
            // A star re-export passes on what the importer asked for; a named one, just those names.
            visit(target, listed === "*" ? names : listed);
        }
    };
    visit(BARREL, "*");
    for (const dir of fs.readdirSync(path.join(ROOT, "components"), { withFileTypes: true })) {
        const index = path.join(ROOT, "components", dir.name, "index.ts");
        if (dir.isDirectory() && fs.existsSync(index)) visit(index, "*");
    }
    return out;
}

describe("package: components/index.ts", () => {
    let result: { calls: string[]; exports: string[] };
    before(function () {
        this.timeout(120_000);
        result = probe();
    });

    it("registers no resource and reads no config on import", () => {
        assert.deepEqual(result.calls, [], "importing the package must have no Pulumi side effects");
    });

    it("exports the components an application program needs", () => {
        for (const name of [
            "Database", "resolveStack", "readRawConfig", "ConfigError", "contractOutputs", "sizePreset",
            "DockerDatabase", "ClusterDatabase", "ClusterBakedReplicas", "bakedReplicaSidecar", "withBakedReplicaSidecar", "BAKED", "readerPassword",
            "AwsManagedDatabase", "AwsVmDatabase", "GcpManagedDatabase", "GcpVmDatabase", "GcpClusterDatabase",
        ]) {
            assert.ok(result.exports.includes(name), `components/index.ts should export ${name}; it exports: ${result.exports.join(", ")}`);
        }
    });

    it("only re-exports: no statements besides export declarations", () => {
        const code = fs.readFileSync(BARREL, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
        const statements = code.split(/;\s*/).map((s) => s.trim()).filter(Boolean);
        for (const s of statements) assert.match(s, /^export (type )?\{[^}]*\} from "\.\/[\w/-]+"$/, `not a re-export: ${s.slice(0, 80)}`);
    });

    it("documents every public argument it re-exports with TSDoc, and every optional one with its default", () => {
        // Each *Args / *Options interface reachable from a public entry point (the barrel, and the per-cloud
        // and per-placement index files it re-exports from): a doc comment right above every member, and
        // for optional members a doc that names the default.
        const exported = publicModules();
        assert.ok(exported.has(path.join(ROOT, "components", "aws", "baked.ts")), "the walk must reach components/aws/baked.ts");
        const problems: string[] = [];
        for (const [file, names] of exported) {
            const text = fs.readFileSync(file, "utf8");
            for (const m of text.matchAll(/export interface (\w+Args|\w+Options) \{([\s\S]*?)\n\}/g)) {
                if (names !== "*" && !names.has(m[1])) continue;
                const lines = m[2].split("\n");
                lines.forEach((line, i) => {
                    const member = /^ {4}(?:readonly )?(\w+)(\??):/.exec(line);
                    if (!member) return;
                    const where = `${path.relative(ROOT, file)}: ${m[1]}.${member[1]}`;
                    if (!/\*\/\s*$/.test(lines[i - 1] ?? "")) return void problems.push(`${where} has no TSDoc`);
                    let start = i - 1;
                    while (start > 0 && !/\/\*\*/.test(lines[start])) start--;
                    const doc = lines.slice(start, i).join(" ");
                    if (member[2] === "?" && !/default/i.test(doc)) problems.push(`${where} is optional but its TSDoc names no default`);
                });
            }
        }
        assert.deepEqual(problems, [], "public args need a TSDoc comment; optional ones state their default");
    });
});
