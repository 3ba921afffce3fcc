// Issue 15 on the cluster placement: baked replicas serve TLS from a mounted Secret and the read URI
// verifies it; sidecars listen on loopback only.
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { SECRET_FILES, SECRETS_DIR } from "../../components/bake";
import { RecordedResource, runProgram } from "../../lib/mock-runner";
import { program } from "../../program";
import { one } from "../helpers/resources";

const run = (config: Record<string, unknown>) => runProgram({ stack: "test", config: { cloud: "local", placement: "cluster", ...config }, program });
const baked = { kind: "baked", count: 2, image: "registry.example.com/app-baked:seed" };
const podOf = (r: RecordedResource) => r.inputs.spec.template.spec;
const unsecret = (v: any) => (v && typeof v === "object" && "value" in v && Object.keys(v).length === 2 ? v.value : v);

describe("cluster: TLS for baked replicas and loopback sidecars (issue 15)", () => {
    it("mounts the replicas' certificate from a Secret, requires TLS, and hands out a verify-full URI with the CA", async () => {
        const result = await run({ replicas: baked });
        const pod = podOf(one(result, "kubernetes:apps/v1:Deployment", "app-baked-deploy"));
        const [db] = pod.containers;
        assert.ok(db.env.some((e: any) => e.name === "DBPLACE_TLS" && e.value === "required"), "a replica without its certificate must not start");
        const mount = db.volumeMounts.find((m: any) => m.mountPath === SECRETS_DIR);
        assert.equal(mount.readOnly, true);
        const volume = pod.volumes.find((v: any) => v.name === mount.name);
        assert.equal(volume.secret.secretName, "app-replica-tls");
        const secret = one(result, "kubernetes:core/v1:Secret", "app-baked-tls");
        assert.ok(secret.secretPaths.includes("stringData"), "the key is a secret in state");
        const files = unsecret(secret.inputs.stringData);
        const db0 = result.outputs.databases.app;
        assert.match(db0.readConnectionSecret, /@app-ro\.db-app\.svc:5432\/app\?sslmode=verify-full$/);
        const ca = new X509Certificate(db0.caCert);
        const cert = new X509Certificate(files[SECRET_FILES.serverCert]);
        assert.ok(cert.verify(ca.publicKey), "the served certificate is signed by the contract's CA");
        assert.equal(cert.checkHost("app-ro.db-app.svc"), "app-ro.db-app.svc", "verify-full checks the host in the read URI");
        assert.ok(!JSON.stringify(pod).includes(files[SECRET_FILES.serverKey]), "the key never appears in the pod spec");
    });

    it("keeps a sidecar on loopback, reached with the reader's password", async () => {
        const result = await run({ replicas: { ...baked, mode: "sidecar" } });
        const db = result.outputs.databases.app;
        assert.match(db.readConnectionSecret, /^postgresql:\/\/dbplace_reader:[^@]+@127\.0\.0\.1:5432\/app$/);
        const { bakedReplicaSidecar } = await import("../../components/cluster");
        const { resolveStack } = await import("../../components/config");
        const [spec] = resolveStack({ cloud: "local", placement: "cluster", replicas: { ...baked, mode: "sidecar" } }).databases;
        const env = Object.fromEntries((bakedReplicaSidecar({ spec, image: baked.image }).env as any[]).map((e) => [e.name, e.value]));
        assert.equal(env.DBPLACE_LISTEN, "loopback");
        assert.equal(env.DBPLACE_LOOPBACK_TRUST, undefined, "trust only when the operator opts out explicitly");
    });
});
