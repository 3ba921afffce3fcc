/**
 * Engine tier, the type-token renames (components/renames.ts): a docker stack deployed by the last commit
 * before the renames (`dbplace:docker:DockerDatabase`, `…:DockerBakedReplicas`, `…:DockerStreamingReplicas`)
 * previews with no change under the current code on the same state: the aliases carry every component and,
 * through the engine, every child (whose URN holds the parent's type) across. Then `pulumi up` moves the
 * state to the new tokens without touching a resource. Run through tools/engine/run.sh.
 */
import * as assert from "assert";
import { FORMER_TYPES } from "../../components/renames";
import { ok, olderCheckout, printTimings, run } from "./support/project";

/** The last commit before the renames. */
const BEFORE_RENAMES = "9030dc5f776125ec522b35b584e9db3297476dc0";
const STACK = "renames-e2e";

interface Step {
    op: string;
    urn: string;
}

describe("engine tier: a docker stack deployed under the former type tokens previews with no changes", function () {
    const started = Date.now();
    const side = olderCheckout("dbplace-renames-", BEFORE_RENAMES, "renames-e2e");
    let deployed = new Map<string, string>();
    const pulumi = (project: string, args: string[]) =>
        run("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: project, env: side.env(project) });
    /** URN → provider ID (components have none) of every resource in the state. */
    const state = (project: string): Map<string, string> =>
        new Map(
            (JSON.parse(ok(pulumi(project, ["stack", "export"]), "pulumi stack export").stdout).deployment.resources as { urn: string; id?: string }[]).map(
                (r) => [r.urn, r.id ?? ""],
            ),
        );
    /** A URN with the former tokens, to compare states across the renames. */
    const former = (urn: string): string =>
        urn
            .split("::")
            .map((part) =>
                part
                    .split("$")
                    .map((t) => FORMER_TYPES[t] ?? t)
                    .join("$"),
            )
            .join("::");

    before(function () {
        this.timeout(300000);
        assert.ok(process.env.DBPLACE_ENGINE_BIN, "run through tools/engine/run.sh (sources tools/engine/env.sh)");
        side.checkout(
            STACK,
            `config:
  dbplace:cloud: local
  dbplace:placement: docker
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:exporterImage: dbplace/postgres-exporter:0.17.1
  dbplace:deletionProtection: "false"
  dbplace:databases:
    app: {replicas: {kind: baked, count: 1}}
    cache: {replicas: {kind: streaming, count: 1}}
`,
        );
    });

    after(function () {
        this.timeout(300000);
        try {
            side.cleanup(STACK);
        } finally {
            printTimings("renames engine tier", started);
        }
    });

    it("1. the old code deploys the stack under the former tokens", function () {
        ok(side.cli("old", ["up", STACK]), "old npm run up");
        deployed = state(side.old);
        const urns = [...deployed.keys()];
        for (const token of ["dbplace:docker:DockerDatabase", "dbplace:docker:DockerBakedReplicas", "dbplace:docker:DockerStreamingReplicas"]) {
            assert.ok(
                urns.some((u) => u.includes(`${token}::`)),
                `the old state holds a ${token}:\n${urns.join("\n")}`,
            );
        }
    });

    it("2. the current code previews it with no create, delete, replace or update", function () {
        const preview = pulumi(side.upgrade(STACK), ["preview", "--expect-no-changes", "--json"]);
        const steps: Step[] = (JSON.parse(preview.stdout).steps ?? []) as Step[];
        const changed = steps.filter((s) => s.op !== "same");
        assert.deepEqual(
            changed.map((s) => `${s.op} ${s.urn}`),
            [],
            `the preview changes resources:\n${preview.out.slice(-4000)}`,
        );
        assert.equal(preview.code, 0, `pulumi preview --expect-no-changes failed:\n${preview.out.slice(-4000)}`);
        // Unchanged resources are counted, not listed: all of them (providers aside), renamed or not, are `same`.
        const summary: Record<string, number> = JSON.parse(preview.stdout).changeSummary ?? {};
        const counted = [...deployed.keys()].filter((urn) => !urn.includes("::pulumi:providers:")).length;
        assert.deepEqual(summary, { same: counted }, `every resource the old code deployed is the same: ${JSON.stringify(summary)}`);
    });

    it("3. pulumi up moves the state to the current tokens, every resource keeping its ID", function () {
        ok(pulumi(side.current, ["up", "--yes", "--skip-preview"]), "current pulumi up");
        const after = state(side.current);
        const urns = [...after.keys()];
        for (const token of Object.values(FORMER_TYPES))
            assert.ok(!urns.some((u) => u.includes(`${token}::`) || u.includes(`${token}$`)), `${token} is still in the state`);
        assert.ok(
            urns.some((u) => u.includes("dbplace:docker:Database$dbplace:docker:BakedReplicas")),
            urns.join("\n"),
        );
        const moved = new Map([...after].map(([urn, id]) => [former(urn), id]));
        assert.deepEqual(moved, deployed, "the same resources with the same IDs, under the current tokens");
    });
});
