// Least privilege and TLS for the cluster placement's own PostgreSQL servers (primary, HA standby,
// streaming standbys): the files their Secrets carry, built from components/security and components/tls,
// the same text the docker placement uploads.
import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { RUN_DIR, scramVerifier, SECRET_FILES } from "../bake";
import { ENGINE_PROFILES } from "../config/engines";
import { DatabaseSpec } from "../config/validate";
import { masterHba, masterIdent, replicationPgpass, rolesScript, VERIFIER_FILES } from "../security/postgres";
import { ServerCertificate } from "../tls";
import { objectNames } from "./labels";

/** Where the server pods mount dbplace-start (from a ConfigMap): the engine images do not carry it. */
export const START_DIR = "/opt/dbplace/bin";
export const START_KEY = "dbplace-start";
export const START = `${START_DIR}/${START_KEY}`;

/**
 * pg_hba addresses: every address, because on Kubernetes the NetworkPolicy is the allow-list (pod
 * addresses are not known to the program). What pg_hba adds is the rest: TLS and SCRAM for every
 * network client, each role to its own database, and the superuser on the unix socket only.
 */
const ANY_ADDRESS = ["all"];

/** The `<svc>` Service by every name a pod resolves it by: `<svc>`, `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.cluster.local`. */
function serviceNames(service: string, namespace: string): string[] {
    return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, `${service}.${namespace}`, service];
}

/**
 * Names the primary's certificate carries: the `-rw` Service (what the contract hands out, what the dump
 * Job and streaming standbys connect to), ordinal 0 behind the headless Service (what the HA standby
 * clones from) and loopback (the exporter in the pod).
 */
export function primaryNames(spec: DatabaseSpec): string[] {
    const n = objectNames(spec);
    const ns = spec.cluster.namespace;
    const pod0 = `${n.statefulSet}-0.${n.headless}`;
    return [...serviceNames(n.readWrite, ns), pod0, `${pod0}.${ns}.svc`, `${pod0}.${ns}.svc.cluster.local`, "127.0.0.1", "localhost"];
}

/** Names of the `-ro` Service's certificate; `loopback` adds what an exporter in the same pod connects to. */
export function readOnlyNames(spec: DatabaseSpec, loopback: boolean): string[] {
    return [...serviceNames(objectNames(spec).readOnly, spec.cluster.namespace), ...(loopback ? ["127.0.0.1", "localhost"] : [])];
}

export interface ServerFilesArgs {
    readonly spec: DatabaseSpec;
    readonly cert: ServerCertificate;
    readonly superuserPassword: pulumi.Input<string>;
    readonly appPassword: pulumi.Input<string>;
    readonly monitorPassword: pulumi.Input<string>;
    /** Set when the database has standbys (HA or streaming): the replication role may log in. */
    readonly replicationPassword?: pulumi.Input<string>;
}

type Files = Record<string, pulumi.Input<string>>;

function tlsFiles(cert: ServerCertificate): Files {
    return { [SECRET_FILES.serverCert]: cert.serverCert, [SECRET_FILES.serverKey]: cert.serverKey, [SECRET_FILES.caCert]: cert.caCert };
}

const verifier = (p: pulumi.Input<string>) => pulumi.output(p).apply((v) => scramVerifier(v));

/**
 * The server StatefulSet's Secret (mounted at SECRETS_DIR): certificate, pg_hba/pg_ident, the roles
 * script dbplace-start runs on every start, the superuser's password (initdb only), SCRAM verifiers of
 * the login roles, and with highAvailability the replication role's pgpass (ordinal 1 clones with it).
 */
export function serverFiles(a: ServerFilesArgs): Files {
    const superuser = ENGINE_PROFILES.postgres.username;
    const database = a.spec.databaseName;
    const replication = a.replicationPassword !== undefined;
    return {
        ...tlsFiles(a.cert),
        [SECRET_FILES.hba]: masterHba({ superuser, database, allowed: ANY_ADDRESS, replication }),
        [SECRET_FILES.ident]: masterIdent(superuser),
        [SECRET_FILES.roles]: rolesScript({ database, replication }, RUN_DIR),
        [SECRET_FILES.superuserPassword]: a.superuserPassword,
        [VERIFIER_FILES.app]: verifier(a.appPassword),
        [VERIFIER_FILES.monitor]: verifier(a.monitorPassword),
        ...(a.replicationPassword !== undefined ? {
            [VERIFIER_FILES.replication]: verifier(a.replicationPassword),
            ...(a.spec.highAvailability ? { [SECRET_FILES.replicationPgpass]: pulumi.output(a.replicationPassword).apply(replicationPgpass) } : {}),
        } : {}),
    };
}

/** A streaming standby's Secret: its certificate, pg_hba/pg_ident (no replication clients), the replication pgpass. Nothing else. */
export function standbyFiles(spec: DatabaseSpec, cert: ServerCertificate, replicationPassword: pulumi.Input<string>): Files {
    const superuser = ENGINE_PROFILES.postgres.username;
    return {
        ...tlsFiles(cert),
        [SECRET_FILES.hba]: masterHba({ superuser, database: spec.databaseName, allowed: ANY_ADDRESS, replication: false }),
        [SECRET_FILES.ident]: masterIdent(superuser),
        [SECRET_FILES.replicationPgpass]: pulumi.output(replicationPassword).apply(replicationPgpass),
    };
}

/** Keys of the exporter's Secret (monitor role's password, the CA), mounted as files. */
export const EXPORTER_FILES = { password: "password", caCert: "ca.crt" } as const;

export function exporterFiles(cert: ServerCertificate, monitorPassword: pulumi.Input<string>): Files {
    return { [EXPORTER_FILES.password]: monitorPassword, [EXPORTER_FILES.caCert]: cert.caCert };
}

/**
 * A digest of a Secret's files for the pod template's annotations: postgres reads its copies at start,
 * so a rotated certificate or a changed pg_hba must restart the pods, which a changed template does.
 * A SHA-256 over random passwords and verifiers reveals none of them, so it is not kept as a secret.
 */
export function filesDigest(files: Files): pulumi.Output<string> {
    const keys = Object.keys(files).sort();
    return pulumi.unsecret(pulumi.all(keys.map((k) => files[k])).apply((values) => {
        const h = crypto.createHash("sha256");
        keys.forEach((k, i) => h.update(`${k}\0${values[i]}\0`));
        return h.digest("hex");
    }));
}

/** The pod-template annotation carrying {@link filesDigest}. */
export const CONFIG_DIGEST_ANNOTATION = "dbplace.io/server-config-sha256";
