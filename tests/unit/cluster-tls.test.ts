// Issue 15 on the cluster placement: baked replicas serve TLS from a mounted Secret and the read URI
// verifies it; sidecars listen on loopback only.
import * as assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { RUN_DIR, scramVerifier, SECRET_FILES, SECRETS_DIR, START_SCRIPT } from "../../components/bake";
import { masterIdent, ROLES, rolesScript } from "../../components/security/postgres";
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

describe("cluster: least privilege and TLS for the primary (issue 15)", () => {
    const secretFiles = (r: Awaited<ReturnType<typeof run>>, name: string) => {
        const s = one(r, "kubernetes:core/v1:Secret", name);
        assert.ok(s.secretPaths.includes("stringData"), `${name}: kept as a secret in state`);
        return unsecret(s.inputs.stringData) as Record<string, string>;
    };

    it("hands out the application role with sslmode=verify-full and the CA; the credentials Secret holds exactly that", async () => {
        const result = await run({});
        const db = result.outputs.databases.app;
        const url = new URL(db.connectionSecret);
        assert.equal(db.username, ROLES.app);
        assert.equal(url.username, ROLES.app);
        assert.equal(url.host, "app-rw.db-app.svc:5432");
        assert.equal(url.search, "?sslmode=verify-full");
        assert.equal(db.readConnectionSecret, db.connectionSecret, "no replicas: reads go to the primary, same role");
        assert.ok(!JSON.stringify(result.outputs).includes("dbadmin"), "the superuser's name is in no output");
        const credentials = secretFiles(result, "app-credentials");
        assert.deepEqual(credentials, { username: ROLES.app, password: decodeURIComponent(url.password), uri: db.connectionSecret, "ca.crt": db.caCert });
        const ca = new X509Certificate(db.caCert);
        assert.ok(ca.ca, "caCert is a CA certificate");
    });

    it("mounts the primary's files from a Secret: certificate for the Service names, pg_hba with TLS only, the roles script and SCRAM verifiers", async () => {
        const result = await run({ highAvailability: true });
        const files = secretFiles(result, "app-server-secret");
        assert.deepEqual(Object.keys(files).sort(), [
            "app.verifier", "ca.crt", "monitor.verifier", "pg_hba.conf", "pg_ident.conf", "replication.pgpass", "replication.verifier", "roles.sql", "server.crt", "server.key", "superuser.pass",
        ]);
        const appPassword = decodeURIComponent(new URL(result.outputs.databases.app.connectionSecret).password);
        const monitorPassword = secretFiles(result, "app-monitor").password;
        assert.equal(files["app.verifier"], scramVerifier(appPassword));
        assert.equal(files["monitor.verifier"], scramVerifier(monitorPassword));
        assert.equal(files["roles.sql"], rolesScript({ database: "app", replication: true }, RUN_DIR));
        assert.equal(files["pg_ident.conf"], masterIdent("dbadmin"));
        assert.equal(files["pg_hba.conf"], [
            "# Generated by components/security (postgres.ts); do not edit.",
            "# TYPE   DATABASE     USER                ADDRESS            METHOD",
            "local    all          dbadmin                                 peer map=dbplace",
            "local    all          all                                     scram-sha-256",
            "hostssl  replication  replicator          all                scram-sha-256",
            "hostssl  app          dbplace_app         all                scram-sha-256",
            "hostssl  app          dbplace_monitor     all                scram-sha-256",
            "",
        ].join("\n"), "TLS and SCRAM for every network client; the superuser on the socket only");
        const ca = new X509Certificate(result.outputs.databases.app.caCert);
        const cert = new X509Certificate(files["server.crt"]);
        assert.ok(cert.verify(ca.publicKey), "signed by the contract's CA");
        assert.equal(files["ca.crt"], result.outputs.databases.app.caCert);
        for (const host of ["app-rw.db-app.svc", "app-rw.db-app.svc.cluster.local", "app-rw", "app-0.app-headless"]) assert.equal(cert.checkHost(host), host);
        assert.equal(cert.checkIP("127.0.0.1"), "127.0.0.1");
        assert.equal(cert.checkHost("app-ro.db-app.svc"), undefined);

        const sts = one(result, "kubernetes:apps/v1:StatefulSet", "app-server");
        const pod = podOf(sts);
        const [db] = pod.containers;
        assert.deepEqual(db.env, [
            { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
            { name: "POSTGRES_USER", value: "dbadmin" },
            { name: "POSTGRES_DB", value: "app" },
        ], "no password in the environment");
        assert.deepEqual(db.volumeMounts.find((m: any) => m.mountPath === SECRETS_DIR), { name: "server-secret", mountPath: SECRETS_DIR, readOnly: true });
        assert.deepEqual(pod.volumes.find((v: any) => v.name === "server-secret").secret, { secretName: "app-server", defaultMode: 0o440 });
        assert.ok(!JSON.stringify(pod).includes(files["server.key"]));
        assert.deepEqual(one(result, "kubernetes:core/v1:ConfigMap", "app-init").inputs.data, { "dbplace-start": START_SCRIPT });
        // A rotated certificate (or a changed pg_hba) restarts the pods: the template carries the files' digest.
        const digest = sts.inputs.spec.template.metadata.annotations["dbplace.io/server-config-sha256"];
        assert.match(digest, /^[0-9a-f]{64}$/);
        assert.ok(!Object.values(files).some((v) => v.includes(digest)));
    });

    it("keeps the replication role unable to log in while the database has no standby", async () => {
        const files = secretFiles(await run({}), "app-server-secret");
        assert.equal(files["roles.sql"], rolesScript({ database: "app", replication: false }, RUN_DIR));
        assert.doesNotMatch(files["pg_hba.conf"], /replication/);
        assert.equal(files["replication.pgpass"], undefined);
        assert.equal(files["replication.verifier"], undefined);
    });

    it("one CA for the primary and the baked replicas, each server with its own key", async () => {
        const result = await run({ replicas: baked });
        const ca = new X509Certificate(result.outputs.databases.app.caCert);
        const primary = secretFiles(result, "app-server-secret");
        const replicas = secretFiles(result, "app-baked-tls");
        for (const f of [primary, replicas]) assert.ok(new X509Certificate(f["server.crt"]).verify(ca.publicKey));
        assert.notEqual(primary["server.key"], replicas["server.key"]);
        assert.equal(new X509Certificate(replicas["server.crt"]).checkHost("app-rw.db-app.svc"), undefined, "a replica's key cannot pass for the primary");
    });

    it("leaves mysql as it was: the image's own (non-root) user, no certificate of ours", async () => {
        const result = await run({ engine: "mysql" });
        const db = result.outputs.databases.app;
        assert.equal(db.username, "dbadmin");
        assert.equal(db.caCert, "");
        assert.equal(result.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes").length, 0);
    });
});

describe("cluster: a rotated certificate restarts the servers (issue 15)", () => {
    it("the pod template's digest follows every file of the Secret, and only them", async () => {
        const { filesDigest } = await import("../../components/cluster/security");
        const value = (o: any) => new Promise<string>((resolve) => o.apply((v: string) => { resolve(v); return v; }));
        const files = { "server.crt": "cert A", "pg_hba.conf": "hba", "superuser.pass": "pw" };
        const a = await value(filesDigest(files));
        assert.equal(await value(filesDigest({ ...files })), a, "same files, same template: no restart on a plain `pulumi up`");
        assert.notEqual(await value(filesDigest({ ...files, "server.crt": "cert B" })), a, "a new certificate restarts the pods");
        assert.notEqual(await value(filesDigest({ ...files, "pg_hba.conf": "hba 2" })), a, "a new pg_hba restarts the pods");
        assert.match(a, /^[0-9a-f]{64}$/);
    });
});
