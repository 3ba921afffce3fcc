// The contract rules of the policy pack (issue 15): no superuser and verified TLS in what applications
// receive. Hand-built stacks for each case, then the real programs' offline plans.
import * as assert from "node:assert/strict";
import { runProgram } from "../../lib/mock-runner";
import { checkRun } from "../../policy/offline";
import { noSuperuserInContract, tlsRequiredInContract } from "../../policy/policies";
import { FakeResource, stackViolations } from "../../policy/testing";

const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
/** The stack's outputs, as the engine shows them to stack policies. */
const outputs = (databases: Record<string, Record<string, unknown>>): FakeResource => ({ type: "pulumi:pulumi:Stack", name: "dbplace-dev", props: { databases } });
const pg = (user: string, params = "?sslmode=verify-full", extra: Record<string, unknown> = {}) => ({
    username: user, engine: "postgres", connectionSecret: `postgresql://${user}:pw@orders-rw.db.svc:5432/orders${params}`, ...extra,
});
const credentials = (stringData: Record<string, string>, engine = "postgres"): FakeResource => ({
    type: "kubernetes:core/v1:Secret", name: "orders-credentials",
    props: { metadata: { name: "orders-credentials", namespace: "db-orders", labels: { "app.kubernetes.io/part-of": "dbplace", "app.kubernetes.io/name": engine } }, stringData },
});

describe(`policy ${noSuperuserInContract.name}`, () => {
    it("passes a contract that hands out the application role", () => {
        assert.deepEqual(stackViolations(noSuperuserInContract, [outputs({ orders: pg("dbplace_app") })]), []);
        assert.deepEqual(stackViolations(noSuperuserInContract, [credentials({ username: "dbplace_app", uri: pg("dbplace_app").connectionSecret })]), []);
        // mysql's image user is an ordinary user with rights on its database; root is the superuser.
        assert.deepEqual(stackViolations(noSuperuserInContract, [outputs({ s: { username: "dbadmin", connectionSecret: "mysql://dbadmin:pw@s:3306/s" } })]), []);
    });

    it("fails the superuser in the username or in any connection string, in the outputs and in the credentials Secret", () => {
        assert.deepEqual(stackViolations(noSuperuserInContract, [outputs({ orders: pg("dbadmin") })]), [
            'stack output databases.orders: username logs in as "dbadmin" and connectionSecret logs in as "dbadmin", the postgres superuser (one of "postgres", "dbadmin", "rdsadmin" and "cloudsqladmin"). Applications must get a role without superuser rights.',
        ]);
        const sneaky = { ...pg("dbplace_app"), readConnectionSecret: "postgresql://postgres:pw@orders-ro:5432/orders?sslmode=verify-full" };
        assert.match(stackViolations(noSuperuserInContract, [outputs({ orders: sneaky })]).join("\n"), /^stack output databases\.orders: readConnectionSecret logs in as "postgres"/);
        const b64 = (s: string) => Buffer.from(s).toString("base64");
        const secret = credentials({});
        secret.props = { ...secret.props, stringData: undefined, data: { username: b64("root"), uri: b64("mysql://root:pw@orders-rw:3306/orders") } };
        secret.props.metadata.labels["app.kubernetes.io/name"] = "mysql";
        assert.deepEqual(stackViolations(noSuperuserInContract, [secret]), [
            'Secret db-orders/orders-credentials: username logs in as "root" and uri logs in as "root", the mysql superuser (one of "root", "rdsadmin", "cloudsqladmin" and "mysql.sys"). Applications must get a role without superuser rights.',
        ]);
    });
});

describe(`policy ${tlsRequiredInContract.name}`, () => {
    it("passes verify-full, verify-ca, mysql's VERIFY_IDENTITY, or a contract carrying its CA", () => {
        for (const c of [pg("dbplace_app"), pg("dbplace_app", "?sslmode=verify-ca"), pg("dbplace_app", "", { caCert: CA }),
            { connectionSecret: "mysql://app:pw@s:3306/s?ssl-mode=VERIFY_IDENTITY" }]) {
            assert.deepEqual(stackViolations(tlsRequiredInContract, [outputs({ orders: c })]), [], JSON.stringify(c));
        }
        assert.deepEqual(stackViolations(tlsRequiredInContract, [credentials({ username: "dbplace_app", uri: pg("dbplace_app", "").connectionSecret, "ca.crt": CA })]), []);
    });

    it("fails strings that do not verify the server when no CA comes with them", () => {
        assert.deepEqual(stackViolations(tlsRequiredInContract, [outputs({ orders: { ...pg("dbplace_app", "?sslmode=require"), readConnectionSecret: "postgresql://r:pw@orders-ro:5432/orders" } })]), [
            "stack output databases.orders: connectionSecret (sslmode=require) and readConnectionSecret (sslmode=unset) does not verify the server, and the contract has no caCert: a client cannot tell the database from an impostor, and may talk in cleartext. Use sslmode=verify-full or verify-ca or hand out the CA.",
        ]);
        assert.match(stackViolations(tlsRequiredInContract, [outputs({ s: { connectionSecret: "mysql://app:pw@s:3306/s?ssl-mode=REQUIRED" } })]).join("\n"), /connectionSecret \(ssl-mode=REQUIRED\) does not verify/);
        assert.match(stackViolations(tlsRequiredInContract, [credentials({ username: "dbplace_app", uri: pg("dbplace_app", "").connectionSecret })]).join("\n"), /^Secret db-orders\/orders-credentials: uri \(sslmode=unset\)/);
    });
});

describe("contract rules on the programs' offline plans (issue 15)", function () {
    this.timeout(120_000);
    const contractRules = { policies: [], stackPolicies: [noSuperuserInContract, tlsRequiredInContract] };

    for (const [placement, extra] of [["docker", {}], ["cluster", {}], ["cluster", { highAvailability: true, replicas: { kind: "streaming", count: 1 } }], ["cluster", { replicas: { kind: "baked", count: 1, image: "r.example.com/app:1", mode: "sidecar" } }]] as const) {
        it(`passes a postgres database on ${placement} ${JSON.stringify(extra)}`, async () => {
            const run = await runProgram({ stack: "dev", config: { cloud: "local", placement, ...extra } });
            assert.deepEqual(checkRun(run, contractRules), []);
        });
    }

    it("fails mysql on the cluster (no TLS of ours yet), in the outputs and the credentials Secret", async () => {
        const run = await runProgram({ stack: "dev", config: { cloud: "local", placement: "cluster", engine: "mysql" } });
        assert.deepEqual(checkRun(run, contractRules).map((v) => `${v.policy} ${v.resource}`).sort(), [
            "dbplace-tls-required-in-contract (stack)", "dbplace-tls-required-in-contract app-credentials",
        ]);
    });
});
