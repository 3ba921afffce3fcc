import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { contentDigest, CURRENT_TAG, LOOP_ANNOTATIONS, loopJobConfig, rollPatch } from "../../components/bake/loop-job";
import { inspectDump } from "../../components/bake/dumpfile";
import { loopDumpScript } from "../../components/cluster/bake-loop";
import { resolveStack } from "../../components/config";
import { runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { expectConfigError, inventory, one } from "../helpers/resources";

const run = (config: Record<string, unknown>) => runProgram({ stack: "test", config, program });
const REPO = "registry.example.com/team/app-baked";
const loop = { cloud: "local", placement: "cluster", engineVersion: "15", image: "dbplace/postgres:15", replicas: { kind: "baked", count: 2, repository: REPO, schedule: "*/5 * * * *" } };
const JOB = "kubernetes:batch/v1:Job";
const CRON = "kubernetes:batch/v1:CronJob";
const DEPLOY = "kubernetes:apps/v1:Deployment";

describe("cluster: the re-bake loop in the cluster (replicas.repository without dump or image)", () => {
    it("resolves where the images come from once, in the spec", () => {
        const table: [Record<string, unknown>, string | undefined][] = [
            [{ kind: "baked", repository: REPO }, "loop"],
            [{ kind: "baked", dump: "stacks/seed/app.dump", repository: REPO }, "dump"],
            [{ kind: "baked", image: `${REPO}:seed` }, "image"],
            [{ kind: "streaming" }, undefined],
        ];
        for (const [replicas, source] of table) {
            const spec = resolveStack({ cloud: "local", placement: "cluster", replicas }).databases[0];
            assert.equal(spec.replicas.source, source, JSON.stringify(replicas));
            assert.equal(spec.replicas.bakerImage, source === "loop" ? "dbplace/baker:17" : undefined);
        }
        assert.equal(resolveStack({ cloud: "local", placement: "docker", replicas: { kind: "baked" } }).databases[0].replicas.source, "empty");
    });

    it("registers the baker's account, a role on the one Deployment, the first bake Job and the CronJob", async () => {
        const r = await run(loop);
        const inv = inventory(r);
        assert.deepEqual(inv["kubernetes:core/v1:ServiceAccount"]?.filter((n) => n.includes("baker")), ["app-baked-baker"]);
        assert.deepEqual(inv["kubernetes:rbac.authorization.k8s.io/v1:Role"], ["app-baked-baker"]);
        assert.deepEqual(inv["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"], ["app-baked-baker"]);
        assert.deepEqual(inv[JOB], ["app-baked-bake-first"]);
        assert.deepEqual(inv[CRON], ["app-baked-rebake", "app-dump"]);
        const role = one(r, "kubernetes:rbac.authorization.k8s.io/v1:Role", "app-baked-baker");
        assert.deepEqual(role.inputs.rules, [{ apiGroups: ["apps"], resources: ["deployments"], resourceNames: ["app-baked"], verbs: ["get", "patch"] }]);
        assert.ok(!r.resources.some((x) => x.type.startsWith("docker:")), "nothing is baked with docker at deploy time");
    });

    it("the replicas follow <repository>:current, always pulled, created only after the first bake", async () => {
        const r = await run(loop);
        const deploy = one(r, DEPLOY, "app-baked-deploy");
        const db = deploy.inputs.spec.template.spec.containers[0];
        assert.equal(db.image, `${REPO}:${CURRENT_TAG}`);
        assert.equal(db.imagePullPolicy, "Always");
        assert.ok(deploy.dependsOn.includes("app-baked-bake-first"), `the Deployment waits for the first bake: ${deploy.dependsOn}`);
        assert.ok(one(r, JOB, "app-baked-bake-first").dependsOn.includes("app-server"), "the first bake waits for the primary");
        // Pulumi never sets what the loop writes, so a later `pulumi up` neither undoes a bake nor shows a diff.
        assert.ok(!JSON.stringify(deploy.inputs).includes(LOOP_ANNOTATIONS.digest));
    });

    it("dumps the primary as its owner and bakes under the restricted profile, with only the reader's verifier", async () => {
        const r = await run(loop);
        const cron = one(r, CRON, "app-baked-rebake");
        assert.equal(cron.inputs.spec.schedule, "*/5 * * * *");
        assert.equal(cron.inputs.spec.concurrencyPolicy, "Forbid");
        const pod = cron.inputs.spec.jobTemplate.spec.template.spec;
        assert.deepEqual(pod, one(r, JOB, "app-baked-bake-first").inputs.spec.template.spec, "the first bake and the loop run the same pod");
        assert.equal(pod.serviceAccountName, "app-baker");
        assert.equal(pod.securityContext.runAsNonRoot, true);
        assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
        for (const c of [...pod.initContainers, ...pod.containers]) {
            assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] }, c.name);
            assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
        }
        const [dump] = pod.initContainers;
        assert.equal(dump.image, "dbplace/postgres:15");
        const bake = pod.containers[0];
        assert.equal(bake.image, "dbplace/baker:15");
        const env = Object.fromEntries(bake.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        assert.equal(env.DBPLACE_REPOSITORY, REPO);
        assert.equal(env.DBPLACE_DEPLOYMENT, "db-app/app-baked");
        assert.deepEqual(env.DBPLACE_READER_VERIFIER, { secretKeyRef: { name: "app-baker", key: "readerVerifier" } });
        const secret = one(r, "kubernetes:core/v1:Secret", "app-baked-baker");
        const verifier = secret.inputs.stringData.readerVerifier;
        assert.match(verifier, /^SCRAM-SHA-256\$4096:[^$]+\$[^:]+:.+$/, "a verifier, never the reader's password");
    });

    it("pushes with the dockerconfigjson Secret named in replicas.pushSecret, and asks for one where a registry needs a login", async () => {
        const r = await run({ ...loop, replicas: { ...loop.replicas, pushSecret: "registry-login" } });
        const pod = one(r, CRON, "app-baked-rebake").inputs.spec.jobTemplate.spec.template.spec;
        const bake = pod.containers[0];
        const config = bake.env.find((e: any) => e.name === "DOCKER_CONFIG").value;
        assert.deepEqual(bake.volumeMounts.find((m: any) => m.name === "push"), { name: "push", mountPath: config, readOnly: true });
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "push").secret.items, [{ key: ".dockerconfigjson", path: "config.json" }]);
        for (const repository of ["123456789012.dkr.ecr.eu-west-1.amazonaws.com/app-baked", "europe-west1-docker.pkg.dev/p/r/app-baked"]) {
            await expectConfigError(() => run({ ...loop, replicas: { kind: "baked", repository } }), /dbplace:replicas\.pushSecret is not set/, /needs a login/);
        }
        await expectConfigError(() => run({ ...loop, replicas: { kind: "baked", image: `${REPO}:x`, pushSecret: "s" } }), /replicas\.pushSecret only applies/);
    });

    it("alerts when the loop's last scheduled run has not succeeded", async () => {
        const r = await run({ ...loop, cluster: { prometheusOperator: true } });
        const rules = one(r, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "app-baked-alerts").inputs.spec.groups[0].rules;
        const rule = rules.find((x: any) => x.alert === "BakeLoopFailing");
        assert.ok(rule, rules.map((x: any) => x.alert).join());
        assert.match(rule.expr, /kube_cronjob_status_last_schedule_time\{namespace="db-app", cronjob="app-rebake"\}/);
    });

    it("refuses what the loop cannot do, before any resource", async () => {
        await expectConfigError(() => run({ ...loop, replicas: { ...loop.replicas, mode: "sidecar" } }), /replicas\.mode/, /cannot roll/);
        await expectConfigError(() => run({ ...loop, replicas: { kind: "baked", repository: REPO, image: `${REPO}:x` } }), /replicas\.repository/, /replicas\.image/);
        await expectConfigError(() => run({ ...loop, replicas: { kind: "baked", dump: "stacks/seed/app.dump", repository: REPO, bakerImage: "x/baker:1" } }), /replicas\.bakerImage/);
        await expectConfigError(() => run({ cloud: "local", placement: "cluster", replicas: { kind: "baked" } }), /replicas\.kind/, /replicas\.repository/);
    });
});

describe("the bake Job's own code (components/bake/loop-job.ts)", () => {
    it("names every missing variable and a malformed Deployment", () => {
        assert.throws(() => loopJobConfig({}), /DBPLACE_DUMP, DBPLACE_REPOSITORY, DBPLACE_DATABASE, DBPLACE_PG_MAJOR, DBPLACE_BASE/);
        const ok = { DBPLACE_DUMP: "/w/d", DBPLACE_REPOSITORY: REPO, DBPLACE_DATABASE: "app", DBPLACE_PG_MAJOR: "15", DBPLACE_BASE: "oci:/b" };
        assert.throws(() => loopJobConfig({ ...ok, DBPLACE_DEPLOYMENT: "app-baked" }), /namespace\/name/);
        assert.deepEqual(loopJobConfig({ ...ok, DBPLACE_DEPLOYMENT: "db-app/app-baked" }).deployment, { namespace: "db-app", name: "app-baked" });
    });

    it("rolls by the pod template's annotations only", () => {
        assert.deepEqual(JSON.parse(rollPatch("abc", `${REPO}@sha256:1`)), {
            spec: { template: { metadata: { annotations: { [LOOP_ANNOTATIONS.digest]: "abc", [LOOP_ANNOTATIONS.image]: `${REPO}@sha256:1` } } } },
        });
    });

    it("tells two dumps of unchanged data apart from a change: only the header's creation time is left out", () => {
        const seed = path.resolve(__dirname, "../../stacks/seed/app.dump");
        const bytes = fs.readFileSync(seed);
        const [start, end] = inspectDump(seed).createdAtBytes;
        assert.ok(start > 5 && end - start >= 7, `the creation time's bytes: ${start}..${end}`);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-content-"));
        const later = Buffer.from(bytes);
        for (let i = start; i < end; i++) later[i] ^= 0x01; // another second, minute, day…
        fs.writeFileSync(path.join(dir, "later.dump"), later);
        const changed = Buffer.from(bytes);
        const at = bytes.indexOf("products"); // a table's name in the table of contents, framing intact
        assert.ok(at > end, "the seed dump names its products table");
        changed[at] = "P".charCodeAt(0);
        fs.writeFileSync(path.join(dir, "changed.dump"), changed);
        try {
            assert.equal(contentDigest(path.join(dir, "later.dump")), contentDigest(seed), "unchanged data: same content");
            assert.notEqual(contentDigest(path.join(dir, "changed.dump")), contentDigest(seed), "one byte of data: another content");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("publishes the dump only once pg_dump finished (the bake never reads half a dump)", () => {
        const s = loopDumpScript("/w/d");
        assert.ok(s.indexOf('-f "/w/d.partial"') < s.indexOf('mv "/w/d.partial" "/w/d"'));
        assert.match(s, /^set -eu/);
    });
});
