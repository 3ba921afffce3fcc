// What the docker placement puts into its containers (components/docker), rendered with the same
// functions, so the attack tests run against the files `pulumi up` deploys.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { RUN_DIR, SECRETS_DIR, SECRET_FILES, START_SCRIPT, START_SCRIPT_PATH, scramVerifier } from "../../../components/bake";
import { masterHba, masterIdent, replicationPgpass, ROLES, rolesScript, VERIFIER_FILES } from "../../../components/security/postgres";
import { serverTls } from "../../../components/tls/x509";
import { run } from "../../../components/bake/docker";
import { ContainerFile } from "./env";

export const SUPERUSER = "dbadmin";

export interface Secrets {
    superuser: string;
    app: string;
    monitor: string;
    replication: string;
    reader: string;
    tls: { caCertPem: string; certPem: string; keyPem: string };
    /** The CA written to a host file, for sslrootcert. */
    caFile: string;
}

const pw = () => crypto.randomBytes(24).toString("base64url");

export function makeSecrets(dir: string, masterAlias: string, readAlias: string): Secrets {
    const tls = serverTls(crypto.randomBytes(32).toString("hex"), "dbplace CA e2e", crypto.randomBytes(32).toString("hex"), "e2e",
        ["127.0.0.1", "localhost", masterAlias, readAlias]);
    const caFile = path.join(dir, "ca.crt");
    fs.writeFileSync(caFile, tls.caCertPem);
    return { superuser: pw(), app: pw(), monitor: pw(), replication: pw(), reader: pw(), tls, caFile };
}

const secret = (file: string, content: string): ContainerFile => ({ path: `${SECRETS_DIR}/${file}`, content, mode: 0o644 });
export const startScript: ContainerFile = { path: START_SCRIPT_PATH, content: START_SCRIPT, mode: 0o755 };

function tlsFiles(s: Secrets): ContainerFile[] {
    return [secret(SECRET_FILES.serverCert, s.tls.certPem), secret(SECRET_FILES.serverKey, s.tls.keyPem), secret(SECRET_FILES.caCert, s.tls.caCertPem)];
}

function authFiles(database: string, subnet: string, replication: boolean): ContainerFile[] {
    return [
        secret(SECRET_FILES.hba, masterHba({ superuser: SUPERUSER, database, allowed: [subnet], replication })),
        secret(SECRET_FILES.ident, masterIdent(SUPERUSER)),
    ];
}

/** DockerDatabase's master container: uploads, env and entrypoint. */
export function masterContainer(s: Secrets, database: string, subnet: string, replication: boolean): { args: string[]; files: ContainerFile[]; cmd: string[] } {
    return {
        cmd: ["master"],
        args: ["--user", "root", "--entrypoint", START_SCRIPT_PATH, "-e", `POSTGRES_USER=${SUPERUSER}`, "-e", `POSTGRES_DB=${database}`,
            "-e", "PGDATA=/var/lib/postgresql/data/pgdata"],
        files: [startScript, ...tlsFiles(s), ...authFiles(database, subnet, replication),
            secret(SECRET_FILES.roles, rolesScript({ database, replication }, RUN_DIR)),
            secret(SECRET_FILES.superuserPassword, s.superuser),
            secret(VERIFIER_FILES.app, scramVerifier(s.app)),
            secret(VERIFIER_FILES.monitor, scramVerifier(s.monitor)),
            ...(replication ? [secret(VERIFIER_FILES.replication, scramVerifier(s.replication))] : [])],
    };
}

/** DockerStreamingReplicas' container. */
export function standbyContainer(s: Secrets, database: string, subnet: string, masterAlias: string): { args: string[]; files: ContainerFile[]; cmd: string[] } {
    return {
        cmd: ["standby"],
        args: ["--user", "root", "--entrypoint", START_SCRIPT_PATH, "-e", `POSTGRES_USER=${SUPERUSER}`, "-e", `DBPLACE_PRIMARY=${masterAlias}`,
            "-e", `DBPLACE_REPLICATION_USER=${ROLES.replication}`],
        files: [startScript, ...tlsFiles(s), ...authFiles(database, subnet, true), secret(SECRET_FILES.replicationPgpass, replicationPgpass(s.replication))],
    };
}

/** DockerBakedReplicas' container: the image carries dbplace-start; only the certificate is uploaded. */
export function bakedContainer(s: Secrets): { args: string[]; files: ContainerFile[] } {
    return { args: ["--user", "root"], files: [secret(SECRET_FILES.serverCert, s.tls.certPem), secret(SECRET_FILES.serverKey, s.tls.keyPem)] };
}

export interface TlsConn {
    port: number;
    user: string;
    password: string;
    database: string;
    sslmode?: string;
    caFile?: string;
    host?: string;
}

/** One statement from the host psql with explicit TLS settings; rejects with psql's stderr. */
export async function tlsPsql(c: TlsConn, sql: string, timeoutSec = 5): Promise<string> {
    const r = await run("psql", ["-XAtq", "-w", "-v", "ON_ERROR_STOP=1", "-h", c.host ?? "127.0.0.1", "-p", String(c.port), "-U", c.user, "-d", c.database, "-c", sql], {
        env: { ...process.env, PGPASSWORD: c.password, PGCONNECT_TIMEOUT: String(timeoutSec), PGSSLMODE: c.sslmode ?? "verify-full", ...(c.caFile ? { PGSSLROOTCERT: c.caFile } : {}) },
    });
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout.trim();
}
