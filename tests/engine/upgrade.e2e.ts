/**
 * Engine tier, the upgrade path of least privilege and TLS (docker placement): a stack deployed by the last
 * commit before roles and TLS (its contract hands out the superuser over cleartext) is upgraded with the
 * current code's `npm run up` on the same state. Nothing of the data is lost; the tables the superuser
 * created become the application role's; the contract now hands out that role with verify-full and a CA;
 * the superuser no longer logs in over the network; the replicas serve again. Run through tools/engine/run.sh.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ROLES } from "../../components/security/postgres";
import { ok, olderCheckout, printTimings, run, Run } from "./support/project";

/** The last commit before d368784 ("application, monitor and replication roles, … TLS"). */
const BEFORE_ROLES = "278d2f3e9f0f3e97046c1ec36b3e940f1620443c";
const STACK = "upgrade-e2e";

interface Contract { host: string; port: number; username: string; connectionSecret: string; readConnectionSecret: string; caCert?: string }

describe("engine tier: a docker stack deployed before roles and TLS upgrades with npm run up", function () {
    const started = Date.now();
    const side = olderCheckout("dbplace-upgrade-", BEFORE_ROLES, "upgrade-e2e");
    const caFile = path.join(side.work, "root.crt");
    let oldContract: Contract;
    const psql = (uri: string, sql: string): Run =>
        run("psql", ["-XAtq", "-v", "ON_ERROR_STOP=1", uri, "-c", sql], { env: { ...process.env, PGCONNECT_TIMEOUT: "5", PGSSLROOTCERT: caFile } });

    before(function () {
        this.timeout(300000);
        assert.ok(process.env.DBPLACE_ENGINE_BIN, "run through tools/engine/run.sh (sources tools/engine/env.sh)");
        side.checkout(STACK, `config:
  dbplace:cloud: local
  dbplace:placement: docker
  dbplace:engineVersion: "15"
  dbplace:image: dbplace/postgres:15
  dbplace:exporterImage: dbplace/postgres-exporter:0.17.1
  dbplace:deletionProtection: "false"
  dbplace:replicas: {kind: baked, count: 1}
`);
    });

    after(function () {
        this.timeout(300000);
        try {
            side.cleanup(STACK);
        } finally {
            printTimings("upgrade engine tier", started);
        }
    });

    it("1. the old code deploys; the application writes as the superuser it was handed, in cleartext", function () {
        ok(side.cli("old", ["up", STACK]), "old npm run up");
        oldContract = JSON.parse(ok(side.cli("old", ["outputs", STACK]), "old outputs").stdout).app;
        assert.doesNotMatch(oldContract.connectionSecret, /sslmode/, "before: no TLS in the string");
        const w = psql(oldContract.connectionSecret, [
            "CREATE TABLE orders (id serial PRIMARY KEY, item text)",
            "INSERT INTO orders (item) SELECT 'item-' || g FROM generate_series(1, 500) g",
            "CREATE VIEW big_orders AS SELECT * FROM orders WHERE id > 250",
            "SELECT count(*) FROM orders",
        ].join("; "));
        assert.equal(w.stdout.trim(), "500", w.out);
        assert.equal(psql(oldContract.connectionSecret, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user").stdout.trim(), "t", "before: the superuser");
    });

    it("2. the current code's npm run up upgrades the same stack in place", function () {
        // The stack file as the old run left it (its encryption salt), in a project of the current sources.
        side.upgrade(STACK);
        ok(side.cli("current", ["up", STACK]), "current npm run up");
    });

    it("3. every row is kept, and the application role owns and writes what the superuser created", function () {
        const app: Contract = JSON.parse(ok(side.cli("current", ["outputs", STACK]), "outputs").stdout).app;
        assert.equal(app.username, ROLES.app);
        assert.match(app.connectionSecret, /sslmode=verify-full/);
        fs.writeFileSync(caFile, app.caCert ?? "");
        assert.equal(psql(app.connectionSecret, "SELECT count(*) FROM orders").stdout.trim(), "500", "no row lost");
        const w = psql(app.connectionSecret, "INSERT INTO orders (item) VALUES ('after') RETURNING id");
        // A restart may skip up to 32 values (sequences log ahead), never go back.
        assert.ok(Number(w.stdout.trim()) > 500, `the sequence carries on under the new owner: ${w.out}`);
        assert.equal(psql(app.connectionSecret, "SELECT count(*) FROM big_orders").stdout.trim(), "251", "the view too");
        assert.equal(psql(app.connectionSecret, "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'").stdout.trim(), ROLES.app);
        assert.equal(psql(app.connectionSecret, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").stdout.trim(), "t", "over TLS");
    });

    it("4. the superuser's old credentials no longer log in over the network, with TLS or without", function () {
        const app: Contract = JSON.parse(ok(side.cli("current", ["outputs", STACK]), "outputs").stdout).app;
        const before = new URL(oldContract.connectionSecret);
        for (const mode of ["disable", "require"]) {
            // The master was re-created on a new published port: the old login, at today's address.
            const u = new URL(app.connectionSecret);
            u.username = before.username;
            u.password = before.password;
            u.searchParams.set("sslmode", mode);
            const uri = u.toString();
            const r = psql(uri, "SELECT 1");
            assert.notEqual(r.code, 0, `the superuser over TCP (${mode}) must be refused`);
            assert.match(r.out, /no pg_hba\.conf entry|password authentication failed/, r.out);
        }
    });

    it("5. the baked replica serves after the upgrade, over verified TLS", function () {
        const app: Contract = JSON.parse(ok(side.cli("current", ["outputs", STACK]), "outputs").stdout).app;
        const r = psql(app.readConnectionSecret, "SELECT current_setting('transaction_read_only')");
        assert.equal(r.stdout.trim(), "on", r.out);
    });
});
