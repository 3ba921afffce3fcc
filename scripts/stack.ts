// npm run up -- STACK | npm run down -- STACK | npm run -s outputs -- STACK [DB.KEY]
//
// Deploys an example stack with the real Pulumi engine: checks the stack's config offline first, then
// makes sure of what it needs (dockerd and the local images, the Pulumi CLI and providers), selects or
// creates the stack on a file backend and runs `pulumi up`. Nothing is touched before the config checks.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT, loadStackConfig, readProject } from "../lib/stacks";
import { connectLines, describeContract } from "../lib/deploy/contract-text";
import { deployNeeds, DeployNeeds } from "../lib/deploy/needs";
import { clusterEnvironment, ensureDocker, ensureLocalRegistry, pulumiEnvironment, UserError } from "../lib/deploy/environment";

const USAGE = `usage:
  npm run up -- STACK              deploy (creates the stack on first use); a second run changes nothing
  npm run down -- STACK            destroy everything the stack deployed, then forget the stack
  npm run -s outputs -- STACK      the stack's databases output as JSON, secrets included (for scripts)
  npm run -s outputs -- STACK DB.KEY   one value, e.g. app.connectionSecret

STACK is an example environment in stacks/ (Pulumi.<STACK>.yaml). The state lives in
$PULUMI_BACKEND_URL, or file://~/.cache/dbplace/state when it is unset. DBPLACE_PROJECT_DIR points
at another copy of the project (its Pulumi.yaml and stacks/), e.g. a test's overlay.`;

const ROOT = process.env.DBPLACE_PROJECT_DIR ?? PROJECT_ROOT;

type Command = "up" | "down" | "outputs";

function pulumi(args: string[], env: NodeJS.ProcessEnv, capture = false): { code: number; stdout: string } {
    const r = spawnSync("pulumi", args, {
        cwd: ROOT,
        env,
        encoding: "utf8",
        stdio: capture ? ["ignore", "pipe", "inherit"] : "inherit",
        maxBuffer: 64 << 20,
    });
    if (r.error) throw new UserError(`could not run pulumi: ${r.error.message}`);
    return { code: r.status ?? 1, stdout: r.stdout ?? "" };
}

function stackExists(stack: string, env: NodeJS.ProcessEnv): boolean {
    const r = pulumi(["stack", "ls", "--json"], env, true);
    if (r.code !== 0) throw new UserError(`pulumi stack ls failed on backend ${env.PULUMI_BACKEND_URL}.`);
    return (JSON.parse(r.stdout || "[]") as { name: string }[]).some((s) => s.name === stack || s.name.endsWith(`/${stack}`));
}

function readOutputs(stack: string, env: NodeJS.ProcessEnv): Record<string, Record<string, unknown>> {
    const r = pulumi(["stack", "output", "databases", "--json", "--show-secrets", "--stack", stack], env, true);
    if (r.code !== 0) throw new UserError(`could not read the outputs of stack "${stack}" (see above).`);
    return JSON.parse(r.stdout || "{}");
}

function up(stack: string, needs: DeployNeeds): number {
    if (needs.docker) ensureDocker(needs);
    ensureLocalRegistry(needs);
    const env = clusterEnvironment(needs, pulumiEnvironment(needs, { build: true }));
    const created = !stackExists(stack, env);
    if (created && pulumi(["stack", "init", stack, "--non-interactive"], env).code !== 0) {
        throw new UserError(`could not create stack "${stack}" (see above).`);
    }
    console.error(`[up] pulumi up --stack ${stack} (backend ${env.PULUMI_BACKEND_URL})`);
    // The preview runs first: a config change that would delete protected data fails there, before any
    // resource is created, replaced or deleted.
    const code = pulumi(["up", "--yes", "--non-interactive", "--stack", stack], env).code;
    if (code !== 0) return code;
    const outputs = readOutputs(stack, env);
    console.log("");
    for (const [name, contract] of Object.entries(outputs)) {
        console.log(describeContract(name, contract));
        for (const line of connectLines(stack, name, contract, writeCa(stack, name, contract))) console.log(line);
        console.log("");
    }
    return 0;
}

/** The database's CA next to the state, for the printed lines (the contract carries it as `caCert`). */
function writeCa(stack: string, name: string, contract: Record<string, unknown>): string | undefined {
    if (typeof contract.caCert !== "string" || contract.caCert === "") return undefined;
    const file = path.join(os.homedir(), ".cache", "dbplace", "ca", `${stack}-${name}.crt`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, contract.caCert);
    return file;
}

function down(stack: string, needs: DeployNeeds): number {
    const env = clusterEnvironment(needs, pulumiEnvironment(needs, { build: false }));
    if (!stackExists(stack, env)) {
        console.error(`[down] stack "${stack}" is not deployed on ${env.PULUMI_BACKEND_URL}; nothing to do.`);
        return 0;
    }
    if (needs.docker) ensureDocker(needs);
    const code = pulumi(["destroy", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], env).code;
    if (code !== 0) return code;
    // The config in stacks/ is the example's source of truth: forget the deployment, keep the file.
    return pulumi(["stack", "rm", "--yes", "--preserve-config", "--non-interactive", "--stack", stack], env).code;
}

function outputs(stack: string, needs: DeployNeeds, key: string | undefined): number {
    const env = pulumiEnvironment(needs, { build: false });
    if (!stackExists(stack, env)) throw new UserError(`stack "${stack}" is not deployed on ${env.PULUMI_BACKEND_URL}; run npm run up -- ${stack} first.`);
    const all = readOutputs(stack, env);
    if (key === undefined) {
        console.log(JSON.stringify(all, null, 2));
        return 0;
    }
    const [db, field] = key.split(".", 2);
    const value = all[db]?.[field ?? ""];
    if (value === undefined) {
        const known = Object.entries(all).flatMap(([d, c]) => Object.keys(c).map((k) => `${d}.${k}`));
        throw new UserError(`stack "${stack}" has no output "${key}"; known: ${known.join(", ")}.`);
    }
    console.log(typeof value === "string" ? value : JSON.stringify(value));
    return 0;
}

function main(argv: string[]): number {
    const [command, stack, key, ...rest] = argv as [Command, string | undefined, string | undefined, ...string[]];
    if (stack === undefined || stack === "-h" || stack === "--help" || rest.length > 0 || (key !== undefined && command !== "outputs")) {
        console.error(USAGE);
        return stack === "-h" || stack === "--help" ? 0 : 2;
    }
    // Bad config fails here, with the key named, before dockerd, a build or the state are touched.
    const needs = deployNeeds(stack, loadStackConfig(stack, ROOT), readProject(ROOT).name, ROOT);
    switch (command) {
        case "up": return up(stack, needs);
        case "down": return down(stack, needs);
        case "outputs": return outputs(stack, needs, key);
        default: throw new UserError(`unknown command "${String(command)}"; use up, down or outputs.`);
    }
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (e) {
    const err = e as Error;
    const known = err instanceof UserError || err.name === "ConfigError" || err.message.startsWith("unknown stack");
    console.error(`${path.basename(process.argv[1] ?? "dbplace")}: ${known ? err.message : err.stack}`);
    process.exitCode = 1;
}
