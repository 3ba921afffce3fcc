// The cluster placement's review defects (issue 12), each pinned by what the program registers or by
// a script it ships run for real. The runtime halves (standby clone, md5 replication, liveness during
// recovery, the image's uid) run in Docker: tests/e2e/cluster-defects.e2e.ts.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RecordedResource, runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { rejected } from "../helpers/config";
import { ofType, one } from "../helpers/resources";
import { restrictedViolations } from "../helpers/pod-security";

const run = (config: Record<string, unknown>, stack = "test") => runProgram({ stack, config: { cloud: "local", placement: "cluster", ...config }, program });
const T = {
    sts: "kubernetes:apps/v1:StatefulSet",
    deploy: "kubernetes:apps/v1:Deployment",
    cron: "kubernetes:batch/v1:CronJob",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    sa: "kubernetes:core/v1:ServiceAccount",
    pvcPatch: "kubernetes:core/v1:PersistentVolumeClaimPatch",
} as const;
const baked = { kind: "baked", count: 3, image: "registry.example.com/app-baked:seed" };
const podOf = (r: RecordedResource) => r.inputs.spec.template.spec;
const jobPodOf = (r: RecordedResource) => r.inputs.spec.jobTemplate.spec.template.spec;
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);

/** Dotted paths (with [i] for arrays) where two JSON values differ. */
function changedPaths(a: any, b: any, at = ""): string[] {
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    if (a && b && typeof a === "object" && typeof b === "object") {
        const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
        return [...keys].flatMap((k) => changedPaths(a[k], b[k], Array.isArray(a) ? `${at}[${k}]` : at ? `${at}.${k}` : k));
    }
    return [at];
}

describe("cluster defects: storage and replication (issue 12)", () => {
    it("a size change patches the claims in place and leaves volumeClaimTemplates as deployed (defect 6)", async () => {
        for (const [extra, sets] of [
            [{ highAvailability: true }, { "app-server": ["data-app-0", "data-app-1"] }],
            [{ replicas: { kind: "streaming", count: 2 } }, { "app-server": ["data-app-0"], "app-streaming-standbys": ["data-app-replica-0", "data-app-replica-1"] }],
        ] as const) {
            const small = await run({ size: "small", ...extra });
            const medium = await run({ size: "medium", ...extra });
            for (const [set, claims] of Object.entries(sets)) {
                const before = one(small, T.sts, set);
                const after = one(medium, T.sts, set);
                // What the engine diffs: every changed input not under ignoreChanges. volumeClaimTemplates is
                // immutable in Kubernetes, so a change there would replace the StatefulSet and its claims.
                const diffed = changedPaths(before.inputs, after.inputs).filter((p) => !after.ignoreChanges.some((i) => p === i || p.startsWith(`${i}.`)));
                assert.deepEqual(diffed.filter((p) => p.startsWith("spec.volumeClaimTemplates")), [], `${set}: the template must not change with size`);
                assert.ok(changedPaths(before.inputs, after.inputs).some((p) => p.startsWith("spec.volumeClaimTemplates")), "the ignored path is the one size changes");
                const patches = ofType(medium, T.pvcPatch).filter((p) => claims.includes(p.inputs.metadata.name));
                assert.deepEqual(patches.map((p) => p.inputs.metadata.name).sort(), [...claims], `${set}: one patch per claim`);
                for (const p of patches) {
                    assert.equal(p.inputs.spec.resources.requests.storage, "50Gi", p.name);
                    assert.equal(p.inputs.metadata.namespace, "db-app");
                    assert.equal(p.inputs.metadata.annotations["pulumi.com/patchForce"], "true", "the StatefulSet controller owns the request it wrote");
                    assert.equal(p.inputs.metadata.annotations["pulumi.com/skipAwait"], "true", "a bound claim never turns Pending again: awaiting it times out on WaitForFirstConsumer classes");
                    assert.ok(p.dependsOn.includes(after.name), `${p.name} waits for the StatefulSet that makes the claim`);
                    assert.equal(p.retainOnDelete, true, "forgetting a patch must never touch the claim");
                }
            }
        }
    });

    it("sizes WAL senders and replication slots from the standbys, the same on primary and standbys (defect 5)", async () => {
        const result = await run({ highAvailability: true, replicas: { kind: "streaming", count: 20 } });
        const primary = podOf(one(result, T.sts, "app-server")).containers[0].command[2] as string;
        const standby = podOf(one(result, T.sts, "app-streaming-standbys")).containers[0].command[2] as string;
        for (const [who, script] of [["primary", primary], ["standby", standby]]) {
            const settings = [...new Set(script.match(/-c (max_wal_senders|max_replication_slots|max_slot_wal_keep_size)=(\S+)/g)?.map((s) => s.slice(3)))].sort();
            assert.deepEqual(settings, ["max_replication_slots=23", "max_slot_wal_keep_size=2560MB", "max_wal_senders=44"], who);
        }
        assert.match(standby, /pg_receivewal .* --create-slot --if-not-exists -S "\$slot"/);
        assert.match(standby, /pg_basebackup .* -S "\$slot" /);
        const lone = podOf(one(await run({}), T.sts, "app-server")).containers[0].command as string[];
        assert.equal(flag(lone, "max_wal_senders"), "10", "never below PostgreSQL's default");
    });

    it("gives every database pod a memory-backed /dev/shm (defect 7)", async () => {
        const result = await run({ highAvailability: true, replicas: baked });
        for (const [r, container] of [[one(result, T.sts, "app-server"), "postgres"], [one(result, T.deploy, "app-baked-deploy"), "postgres"]] as const) {
            const pod = podOf(r);
            const mount = pod.containers.find((c: any) => c.name === container).volumeMounts.find((m: any) => m.mountPath === "/dev/shm");
            assert.ok(mount, `${r.name}: /dev/shm`);
            const volume = pod.volumes.find((v: any) => v.name === mount.name);
            assert.equal(volume.emptyDir.medium, "Memory", r.name);
            assert.equal(volume.emptyDir.sizeLimit, "128Mi", `${r.name}: a quarter of the 512Mi limit`);
        }
        const streaming = podOf(one(await run({ size: "large", replicas: { kind: "streaming", count: 1 } }), T.sts, "app-streaming-standbys"));
        assert.equal(streaming.volumes.find((v: any) => v.emptyDir?.medium === "Memory").emptyDir.sizeLimit, "2048Mi");
    });

    it("refuses a bad cluster.runAsUser / backup.identity, naming the key", () => {
        assert.match(rejected({ cloud: "local", placement: "cluster", cluster: { runAsUser: 0 } }).message, /dbplace:cluster\.runAsUser/);
        assert.match(rejected({ cloud: "local", placement: "cluster", backup: { destination: "s3://acme/db", identity: "acme-role" } }).message,
            /dbplace:backup\.identity is "acme-role"; with an s3:\/\/ destination it is the IAM role .* e\.g\. arn:aws:iam::123456789012:role\/app-backups/);
        assert.match(rejected({ cloud: "local", placement: "cluster", backup: { identity: "arn:aws:iam::123456789012:role/x" } }).message,
            /dbplace:backup\.identity .* but backup\.destination is "pvc"/);
    });
});

describe("cluster defects: pods and identities (issue 12)", () => {
    it("puts <stack>/<database> into every object-store dump path (defect 3)", async () => {
        const result = await run({ backup: { destination: "s3://acme/backups" }, databases: { orders: {}, catalog: {} } }, "prod");
        const remotes = ["orders", "catalog"].map((db) => {
            const script = jobPodOf(one(result, T.cron, `${db}-dump`)).containers[0].command[2] as string;
            return /rclone copy \/dumps "([^"]+)"/.exec(script)?.[1];
        });
        assert.deepEqual(remotes, ["dest:acme/backups/prod/orders", "dest:acme/backups/prod/catalog"]);
    });

    it("runs every pod under the database's own ServiceAccount; only the dump Job's carries the cloud identity (defect 4)", async () => {
        const plain = await run({});
        assert.equal(podOf(one(plain, T.sts, "app-server")).serviceAccountName, "app", "not the namespace's default account");
        assert.equal(jobPodOf(one(plain, T.cron, "app-dump")).serviceAccountName, "app-dump");
        for (const [destination, identity, annotation] of [
            ["s3://acme/db", "arn:aws:iam::123456789012:role/app-backups", "eks.amazonaws.com/role-arn"],
            ["gs://acme/db", "app-backups@acme-prod.iam.gserviceaccount.com", "iam.gke.io/gcp-service-account"],
        ]) {
            const result = await run({ backup: { destination, identity }, highAvailability: true, replicas: { kind: "streaming", count: 1 } });
            const accounts: Record<string, any> = Object.fromEntries(ofType(result, T.sa).map((s) => [s.inputs.metadata.name, s.inputs]));
            assert.deepEqual(Object.keys(accounts).sort(), ["app", "app-dump"]);
            assert.deepEqual(accounts["app-dump"].metadata.annotations, { [annotation]: identity }, destination);
            assert.equal(accounts.app.metadata.annotations, undefined, "the database server gets no bucket access");
            for (const s of Object.values(accounts)) assert.equal(s.automountServiceAccountToken, false);
            assert.equal(jobPodOf(one(result, T.cron, "app-dump")).serviceAccountName, "app-dump");
            for (const set of ["app-server", "app-streaming-standbys"]) assert.equal(podOf(one(result, T.sts, set)).serviceAccountName, "app", set);
        }
        assert.equal(podOf(one(await run({ replicas: baked }), T.deploy, "app-baked-deploy")).serviceAccountName, "app");
    });

    it("drains baked replicas without dropping connections or going below count (defect 8)", async () => {
        const result = await run({ replicas: baked });
        const pod = podOf(one(result, T.deploy, "app-baked-deploy"));
        const [db] = pod.containers;
        const drain = Number(db.lifecycle.preStop.exec.command[1]);
        assert.deepEqual(db.lifecycle.preStop.exec.command, ["sleep", String(drain)]);
        assert.ok(drain >= 5, "long enough for kube-proxy and pools to stop sending new connections");
        assert.ok(pod.terminationGracePeriodSeconds >= drain + 20, "postgres still gets its own shutdown after the drain");
        const pdb = one(result, T.pdb, "app-baked-pdb").inputs.spec;
        assert.equal(pdb.minAvailable, 3);
        assert.equal(pdb.maxUnavailable, undefined);
    });

    it("prefers another node for the HA standby, and requires it only when told (defect 11)", async () => {
        const affinity = async (extra: Record<string, unknown>) => podOf(one(await run({ highAvailability: true, ...extra }), T.sts, "app-server")).affinity.podAntiAffinity;
        const preferred = await affinity({});
        assert.equal(preferred.requiredDuringSchedulingIgnoredDuringExecution, undefined, "one node must still run both pods");
        assert.ok(preferred.preferredDuringSchedulingIgnoredDuringExecution.some((t: any) => t.podAffinityTerm.topologyKey === "kubernetes.io/hostname"));
        const required = await affinity({ cluster: { requireSeparateNodes: true } });
        assert.equal(required.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, "kubernetes.io/hostname");
    });

    it("runs pods as the engine image's user: dbplace/postgres 100:102, official images 999, or cluster.runAsUser (defect 13)", async () => {
        const ids = (r: RecordedResource, pod = podOf(r)) => [pod.securityContext.runAsUser, pod.securityContext.runAsGroup, pod.securityContext.fsGroup];
        const own = await run({ image: "dbplace/postgres:15", engineVersion: "15", replicas: { kind: "baked", count: 1, dump: "stacks/seed/app.dump", repository: "registry.example.com/app-baked" } });
        assert.deepEqual(ids(one(own, T.sts, "app-server")), [100, 102, 102]);
        assert.deepEqual(ids(one(own, T.deploy, "app-baked-deploy")), [100, 102, 102], "baked from dbplace/postgres: its data belongs to 100");
        assert.deepEqual(ids(one(own, T.cron, "app-dump"), jobPodOf(one(own, T.cron, "app-dump"))), [100, 102, 102]);
        assert.deepEqual(ids(one(await run({}), T.sts, "app-server")), [999, 999, 999], "postgres:17");
        // A pre-baked image comes from `npm run bake`, whose default base is dbplace/postgres.
        assert.deepEqual(ids(one(await run({ replicas: baked }), T.deploy, "app-baked-deploy")), [100, 102, 102]);
        const set = await run({ image: "registry.example.com/pg:15", engineVersion: "15", cluster: { runAsUser: 26, runAsGroup: 26 } });
        assert.deepEqual(ids(one(set, T.sts, "app-server")), [26, 26, 26]);
    });

    it("keeps every pod the program makes within the restricted Pod Security profile", async () => {
        const result = await run({ highAvailability: true, backup: { destination: "s3://acme/db" }, databases: { app: { replicas: baked }, orders: { replicas: { kind: "streaming", count: 1 } } } });
        const pods: [string, any][] = [
            ...ofType(result, T.sts).map((r) => [r.name, podOf(r)] as [string, any]),
            ...ofType(result, T.deploy).map((r) => [r.name, podOf(r)] as [string, any]),
            ...ofType(result, T.cron).map((r) => [r.name, jobPodOf(r)] as [string, any]),
        ];
        assert.equal(pods.length, 6);
        for (const [name, pod] of pods) assert.deepEqual(restrictedViolations(pod), [], name);
    });
});

describe("cluster defects: the rebake helper pod, run through scripts/rebake.ts (defect 10)", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-rebake-"));
        fs.mkdirSync(path.join(dir, "bin"));
        // kubectl as the API server would answer: the dump Job's pod holds the claim on node-b.
        fs.writeFileSync(path.join(dir, "pods.json"), JSON.stringify({
            items: [
                { metadata: { name: "app-dump-123-x" }, spec: { nodeName: "node-b", volumes: [{ name: "dumps", persistentVolumeClaim: { claimName: "app-dumps" } }] }, status: { phase: "Running" } },
                { metadata: { name: "app-dump-100-y" }, spec: { nodeName: "node-c", volumes: [{ name: "dumps", persistentVolumeClaim: { claimName: "app-dumps" } }] }, status: { phase: "Succeeded" } },
                { metadata: { name: "app-0" }, spec: { nodeName: "node-a", volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data-app-0" } }] }, status: { phase: "Running" } },
            ],
        }));
        fs.writeFileSync(path.join(dir, "bin", "kubectl"), [
            "#!/bin/sh",
            `echo "$*" >> "${dir}/calls"`,
            'case "$*" in',
            `  *"get pods -o json"*) cat "${dir}/pods.json" ;;`,
            `  *"apply -f -"*) cat > "${dir}/applied.json" ;;`,
            "  *\" exec \"*\" sh -c \"*) echo /dumps/latest.dump ;;",
            "  *\" exec \"*\" stat \"*) echo 1700000000 ;;",
            `  "cp "*|*" cp "*) for a; do last="$a"; done; cp "${path.resolve("stacks/seed/app.dump")}" "$last" ;;`,
            "esac",
        ].join("\n"), { mode: 0o755 });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("applies a restricted pod on the node that has the RWO dumps claim attached", () => {
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/rebake.ts", "--stack", "dev", "--kube-pvc", "db-app/app-dumps", "--no-up"], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, DBPLACE_CACHE: path.join(dir, "cache") },
        });
        assert.equal(r.status, 0, r.stderr);
        const pod = JSON.parse(fs.readFileSync(path.join(dir, "applied.json"), "utf8"));
        assert.equal(pod.metadata.namespace, "db-app");
        assert.deepEqual(restrictedViolations(pod.spec), [], "namespaces the program creates enforce restricted");
        assert.equal(pod.spec.nodeName, "node-b", "a ReadWriteOnce claim mounts on one node: go where the running dump Job has it");
        assert.deepEqual(pod.spec.volumes, [{ name: "dumps", persistentVolumeClaim: { claimName: "app-dumps", readOnly: true } }]);
        assert.match(r.stdout, /pulumi config set --path --stack dev dbplace:replicas\.dump \S+kube-db-app-1700000000\.dump/);
    });
});
