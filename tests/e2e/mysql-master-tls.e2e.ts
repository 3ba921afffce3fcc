// Docker tier: the MySQL master exactly as the docker placement renders it (the program under mocks:
// entrypoint, environment, uploaded certificate and start script), run on dbplace/mariadb:10.11.
// TLS is required for every TCP client and verifies against the contract's caCert; root logs in over
// the socket only; the contract's user is not root.
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import * as path from "path";
import { docker, dockerOk } from "../../components/bake/docker";
import { caCertificate } from "../../components/tls/x509";
import { runProgram } from "../../lib/mock-runner";
import { LABEL, REPO_ROOT, RUN_ID, startWithFiles } from "./support/env";

const BASE = process.env.DBPLACE_MARIADB_IMAGE ?? "dbplace/mariadb:10.11";

describe("MySQL master on docker: TLS required with the database's CA, root socket-only (MariaDB 10.11)", function () {
  this.timeout(10 * 60_000);
  const net = `dbplace-e2e-mysqltls-${RUN_ID}`;
  const name = `dbplace-e2e-mysqltls-master-${RUN_ID}`;
  let port = 0;
  let rendered: { envs: string[]; files: { path: string; content: string; mode: number }[]; entrypoint: string; user: string };
  let contract: { user: string; password: string; database: string; caCert: string; connectionSecret: string };

  /** The mariadb client in a throwaway container; `--network host` reaches the published 127.0.0.1 port as a host client does. */
  const client = (network: string, args: string[], ca?: string) =>
    docker(["run", "--rm", "--label", `${LABEL}=${RUN_ID}`, "--network", network, "-e", `CA=${ca ?? ""}`, "--entrypoint", "bash", BASE, "-c",
      `printf '%s' "$CA" > /tmp/ca.crt; exec mariadb --no-defaults --connect-timeout=10 "$@"`, "client", ...args]);
  const asApp = (extra: string[], sql = "SELECT CURRENT_USER()") =>
    client("host", ["-h", "127.0.0.1", "-P", String(port), "-u", contract.user, `-p${contract.password}`, "-N", "-B", ...extra, contract.database, "-e", sql], contract.caCert);
  const verified = ["--ssl", "--ssl-ca=/tmp/ca.crt", "--ssl-verify-server-cert"];

  before(async function () {
    execFileSync(path.join(REPO_ROOT, "tools", "docker", "ensure-dockerd.sh"), { stdio: "inherit" });
    execFileSync(path.join(REPO_ROOT, "tools", "docker", "mariadb-base-image.sh"), { stdio: "inherit", env: { ...process.env, MARIADB_BASE_IMAGE: BASE } });
    const run = await runProgram({ stack: "e2e", config: { "dbplace:cloud": "local", "dbplace:placement": "docker", "dbplace:engine": "mysql", "dbplace:image": BASE } });
    const c = run.resources.find((r) => r.type === "docker:index/container:Container" && r.name === "app-master");
    assert.ok(c, "the program renders a master container");
    const app = run.outputs.databases.app;
    const m = /^mysql:\/\/([^:]+):([^@]+)@127\.0\.0\.1:\d+\/(\w+)\?ssl-mode=VERIFY_IDENTITY$/.exec(app.connectionSecret);
    assert.ok(m, `the contract's string asks for a verified server: ${app.connectionSecret}`);
    contract = { user: m[1], password: decodeURIComponent(m[2]), database: m[3], caCert: app.caCert, connectionSecret: app.connectionSecret };
    await dockerOk(["network", "create", "--label", `${LABEL}=${RUN_ID}`, net]);
    const aliases = (c.inputs.networksAdvanced as { aliases?: string[] }[])[0].aliases ?? [];
    const envs = (c.inputs.envs as string[]).flatMap((e) => ["-e", e]);
    const files = (c.inputs.uploads as { file: string; content: string; executable?: boolean }[])
      .map((u) => ({ path: u.file, content: u.content, mode: u.executable ? 0o755 : 0o644 }));
    rendered = { envs: c.inputs.envs, files, entrypoint: (c.inputs.entrypoints as string[])[0], user: c.inputs.user };
    await startWithFiles(name, BASE, ["--network", net, ...aliases.flatMap((a) => ["--network-alias", a]), "-p", "127.0.0.1::3306",
      "--user", c.inputs.user, "--entrypoint", (c.inputs.entrypoints as string[])[0], ...envs], files, (c.inputs.command as string[] | undefined) ?? []);
    port = Number(/127\.0\.0\.1:(\d+)/.exec((await dockerOk(["port", name, "3306/tcp"])))![1]);
    // The container's own healthcheck, as docker runs it.
    const health = (c.inputs.healthcheck as { tests: string[] }).tests;
    const t0 = Date.now();
    for (;;) {
      const r = await docker(["exec", name, "sh", "-c", health[1]]);
      if (r.code === 0) break;
      if (Date.now() - t0 > 120_000) throw new Error(`the master never became healthy: ${r.stderr}\n${(await docker(["logs", "--tail", "30", name])).stderr}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  });

  after(async function () {
    if (process.env.DBPLACE_E2E_KEEP) return;
    const ids = (await docker(["ps", "-aq", "--filter", `label=${LABEL}=${RUN_ID}`])).stdout.split(/\s+/).filter(Boolean);
    if (ids.length) await docker(["rm", "-f", "-v", ...ids]);
    await docker(["network", "rm", net]);
  });

  it("admits the contract's user over TLS verified against caCert at the contract's address", async () => {
    const r = await asApp(verified, "SELECT CURRENT_USER(), (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'), @@require_secure_transport");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^dbadmin@%\tTLSv1\.[23]\t1$/);
    assert.notEqual(contract.user, "root");
  });

  it("refuses cleartext from the same user with the same password (the test above is the control)", async () => {
    const r = await asApp(["--skip-ssl"]);
    assert.notEqual(r.code, 0, "a cleartext session was admitted");
    // MariaDB answers a cleartext login under require_secure_transport as a denied one.
    assert.match(r.stderr, /insecure transport are prohibited|Access denied for user 'dbadmin'/);
  });

  it("fails verification under a name the certificate does not carry, and against another CA", async () => {
    const ip = (await dockerOk(["inspect", "-f", `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, name])).trim();
    const byIp = await client(net, ["-h", ip, "-u", contract.user, `-p${contract.password}`, ...verified, contract.database, "-e", "SELECT 1"], contract.caCert);
    assert.notEqual(byIp.code, 0, "the certificate names 127.0.0.1, localhost and the aliases, not the container's address");
    assert.match(byIp.stderr, /certificate|SSL/i);
    const byAlias = await client(net, ["-h", "app-master", "-u", contract.user, `-p${contract.password}`, ...verified, contract.database, "-e", "SELECT 1"], contract.caCert);
    assert.equal(byAlias.code, 0, `control: the alias is among the names: ${byAlias.stderr}`);
    const otherCa = caCertificate(randomBytes(32).toString("hex"), "dbplace CA another stack");
    const wrongCa = await client("host", ["-h", "127.0.0.1", "-P", String(port), "-u", contract.user, `-p${contract.password}`, ...verified, contract.database, "-e", "SELECT 1"], otherCa);
    assert.notEqual(wrongCa.code, 0, "a certificate from another CA was accepted");
    assert.match(wrongCa.stderr, /certificate|SSL/i);
  });

  it("refuses root over TCP, from the host and inside the container; root works over the socket only", async () => {
    for (const password of ["", contract.password]) {
      const r = await client("host", ["-h", "127.0.0.1", "-P", String(port), "-u", "root", `-p${password}`, "--ssl", "-e", "SELECT 1"]);
      assert.notEqual(r.code, 0, "root logged in over the published port");
      assert.match(r.stderr, /Access denied/);
    }
    const inside = await docker(["exec", name, "mariadb", "--no-defaults", "-h", "127.0.0.1", "--protocol=tcp", "--ssl", "-uroot", "-e", "SELECT 1"]);
    assert.notEqual(inside.code, 0, "root logged in over TCP inside the container");
    const socket = await docker(["exec", "-u", "root", name, "mariadb", "--no-defaults", "-uroot", "-N", "-B", "-e",
      "SELECT GROUP_CONCAT(CONCAT(user, '@', host) ORDER BY user, host) FROM mysql.user WHERE user IN ('root', '')"]);
    assert.equal(socket.code, 0, socket.stderr);
    assert.equal(socket.stdout.trim(), "root@localhost", "root exists at localhost only (unix_socket), no anonymous user");
  });

  it("refuses to start in cleartext when the certificate is missing", async () => {
    const bare = `${name}-nocert`;
    await startWithFiles(bare, BASE, ["--user", rendered.user, "--entrypoint", rendered.entrypoint, ...rendered.envs.flatMap((e) => ["-e", e])],
      rendered.files.filter((f) => !f.path.endsWith("server.key"))).catch(() => undefined);
    const end = Date.now() + 30_000;
    while ((await dockerOk(["inspect", "-f", "{{.State.Running}}", bare])).trim() === "true" && Date.now() < end) await new Promise((res) => setTimeout(res, 300));
    assert.equal((await dockerOk(["inspect", "-f", "{{.State.Running}} {{.State.ExitCode}}", bare])).trim(), "false 1");
    assert.match((await docker(["logs", bare])).stderr, /refusing to serve in cleartext/);
  });

  it("upgrades a data directory initialised with root on the network: root@'%' is gone after a start with the placement's settings", async () => {
    const vol = `dbplace-e2e-mysqltls-vol-${RUN_ID}`;
    const old = `${name}-old`;
    // As the master ran before: root at '%' with a password (the image's default root host).
    await dockerOk(["run", "-d", "--name", old, "--label", `${LABEL}=${RUN_ID}`, "-v", `${vol}:/var/lib/mysql`, "-e", "MARIADB_ROOT_PASSWORD=old-root", "-e", "MARIADB_DATABASE=app", BASE]);
    const users = (c: string, asRoot: string[]) => docker(["exec", "-u", "root", c, "mariadb", "--no-defaults", ...asRoot, "-N", "-B", "-e", "SELECT GROUP_CONCAT(CONCAT(user, '@', host) ORDER BY host) FROM mysql.user WHERE user = 'root'"]);
    const end = Date.now() + 60_000;
    let before = await users(old, ["-uroot", "-pold-root"]);
    while (before.code !== 0 && Date.now() < end) { await new Promise((res) => setTimeout(res, 500)); before = await users(old, ["-uroot", "-pold-root"]); }
    assert.equal(before.stdout.trim(), "root@%,root@localhost");
    await dockerOk(["rm", "-f", old]);
    const upgraded = `${name}-upgraded`;
    await startWithFiles(upgraded, BASE, ["-v", `${vol}:/var/lib/mysql`, "--user", rendered.user, "--entrypoint", rendered.entrypoint, ...rendered.envs.flatMap((e) => ["-e", e])], rendered.files);
    let after = await users(upgraded, ["-uroot"]);
    while (after.code !== 0 && Date.now() < end + 60_000) { await new Promise((res) => setTimeout(res, 500)); after = await users(upgraded, ["-uroot"]); }
    assert.equal(after.stdout.trim(), "root@localhost", after.stderr);
    await docker(["rm", "-f", "-v", upgraded]);
    await docker(["volume", "rm", vol]);
  });

  it("gives the contract's user its database, not the server", async () => {
    const grants = await asApp(verified, "SHOW GRANTS");
    assert.equal(grants.code, 0, grants.stderr);
    assert.doesNotMatch(grants.stdout, /GRANT ALL PRIVILEGES ON \*\.\*/);
    assert.match(grants.stdout, /GRANT ALL PRIVILEGES ON `app`\.\*/);
  });
});
