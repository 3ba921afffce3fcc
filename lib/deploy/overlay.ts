import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../stacks";

/**
 * A temp dir holding `project/` — the repository's sources by symlink, its own Pulumi.yaml and stacks/ —
 * and `state/`, a file backend: tests and benchmarks deploy their own stacks without writing the repository.
 * Point scripts/stack.ts at it with DBPLACE_PROJECT_DIR.
 */
export function overlay(prefix: string, stackFiles: string[], extraPulumiYaml = ""): { work: string; project: string; backend: string } {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const project = path.join(work, "project");
    fs.mkdirSync(path.join(project, "stacks"), { recursive: true });
    fs.mkdirSync(path.join(work, "state"));
    for (const f of ["components", "config.ts", "data", "index.ts", "lib", "node_modules", "package.json", "program.ts", "scripts", "templates", "tools", "tsconfig.json"]) {
        if (fs.existsSync(path.join(PROJECT_ROOT, f))) fs.symlinkSync(path.join(PROJECT_ROOT, f), path.join(project, f));
    }
    fs.symlinkSync(path.join(PROJECT_ROOT, "stacks", "seed"), path.join(project, "stacks", "seed"));
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8") + extraPulumiYaml);
    for (const f of stackFiles) fs.copyFileSync(f, path.join(project, "stacks", path.basename(f)));
    return { work, project, backend: `file://${path.join(work, "state")}` };
}
