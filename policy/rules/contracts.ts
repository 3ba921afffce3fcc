import { PolicyResource } from "@pulumi/policy";
import { ENGINE_PROFILES } from "../../components/config/engines";
import { K8S_LABELS } from "../../components/labels";
import { belongsToDatabase, labelsOf, listing } from "../resource";
import { DbplaceStackPolicy } from "./types";

/**
 * What applications receive: a database contract (host, username, connection strings, CA). The rules
 * here read every place one appears in a stack: the stack's outputs (`databases.<name>`, what
 * `npm run outputs` prints), any resource whose outputs have the contract's shape (the `Database`
 * component), and the Kubernetes Secret a cluster database hands to workloads in its namespace.
 */
export interface Contract {
    /** Where it was found, for the message: `stack output databases.orders`, `Secret db-app/app-credentials`. */
    readonly where: string;
    readonly urn: string;
    readonly engine?: string;
    readonly username?: string;
    /** Connection strings by field name. */
    readonly uris: Record<string, string>;
    readonly caCert?: string;
}

/** Login names that are the engine's superuser: what the engine calls it, and what dbplace's images make one (POSTGRES_USER). */
export const SUPERUSERS: Record<string, readonly string[]> = {
    postgres: ["postgres", ENGINE_PROFILES.postgres.username, "rdsadmin", "cloudsqladmin"],
    mysql: ["root", "rdsadmin", "cloudsqladmin", "mysql.sys"],
};

const SCHEMES: Record<string, string> = { postgresql: "postgres", postgres: "postgres", mysql: "mysql", mariadb: "mysql" };

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

function parse(uri: string): URL | undefined {
    try {
        return new URL(uri);
    } catch {
        return undefined;
    }
}

function engineOf(c: Pick<Contract, "engine" | "uris">): string | undefined {
    if (c.engine && SUPERUSERS[c.engine]) return c.engine;
    for (const uri of Object.values(c.uris)) {
        const scheme = parse(uri)?.protocol.replace(/:$/, "");
        if (scheme && SCHEMES[scheme]) return SCHEMES[scheme];
    }
    return undefined;
}

function fromFields(where: string, urn: string, o: Record<string, unknown>): Contract | undefined {
    const uris = Object.fromEntries(["connectionSecret", "readConnectionSecret"].flatMap((k) => (str(o[k]) ? [[k, o[k] as string]] : [])));
    if (Object.keys(uris).length === 0) return undefined;
    return { where, urn, engine: str(o.engine), username: str(o.username), uris, caCert: str(o.caCert) };
}

/** A Kubernetes Secret's string values, whether given as stringData or base64 data. */
function secretValues(props: Record<string, any>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(props.data ?? {})) if (typeof v === "string") out[k] = Buffer.from(v, "base64").toString("utf8");
    for (const [k, v] of Object.entries(props.stringData ?? {})) if (typeof v === "string") out[k] = v;
    return out;
}

/** Every contract the stack hands out; values not known yet (a preview) are skipped, judged on the next run. */
export function contractsOf(resources: readonly PolicyResource[]): Contract[] {
    const found: Contract[] = [];
    for (const r of resources) {
        let props: Record<string, any>;
        try {
            props = r.props ?? {};
        } catch {
            continue;
        }
        if (r.type === "pulumi:pulumi:Stack") {
            const dbs = props.databases;
            if (dbs && typeof dbs === "object") {
                for (const [name, c] of Object.entries(dbs as Record<string, unknown>)) {
                    const contract = c && typeof c === "object" ? fromFields(`stack output databases.${name}`, r.urn, c as Record<string, unknown>) : undefined;
                    if (contract) found.push(contract);
                }
            }
            continue;
        }
        if (r.type === "kubernetes:core/v1:Secret") {
            if (!belongsToDatabase({ type: r.type, urn: r.urn, props })) continue;
            const v = secretValues(props);
            if (!v.uri && !v.username) continue;
            const where = `Secret ${props.metadata?.namespace ?? "?"}/${props.metadata?.name ?? r.name}`;
            const engine = labelsOf(props)[K8S_LABELS.name];
            found.push({ where, urn: r.urn, engine, username: v.username, uris: v.uri ? { uri: v.uri } : {}, caCert: v["ca.crt"] });
            continue;
        }
        const contract = fromFields(`${r.type.split(":").pop()} ${r.name}`, r.urn, props);
        if (contract) found.push(contract);
    }
    return found;
}

export const noSuperuserInContract: DbplaceStackPolicy = {
    name: "dbplace-no-superuser-in-contract",
    description: "A database contract (stack outputs, the credentials Secret) hands applications their own role, never the engine's superuser.",
    severity: "critical",
    remediationSteps: "Hand out an application role that owns its database without superuser rights (dbplace's placements create dbplace_app); keep the superuser on the server's unix socket.",
    validateStack: (args, report) => {
        for (const c of contractsOf(args.resources)) {
            const engine = engineOf(c);
            if (!engine) continue;
            const names = new Set(SUPERUSERS[engine]);
            const bad = new Map<string, string>();
            if (c.username && names.has(c.username)) bad.set("username", c.username);
            for (const [field, uri] of Object.entries(c.uris)) {
                const user = parse(uri)?.username;
                if (user && names.has(decodeURIComponent(user))) bad.set(field, decodeURIComponent(user));
            }
            if (bad.size === 0) continue;
            const fields = [...bad].map(([f, u]) => `${f} logs in as "${u}"`);
            report(`${c.where}: ${listing(fields)}, the ${engine} superuser (one of ${listing([...names].map((n) => `"${n}"`))}). Applications must get a role without superuser rights.`, c.urn);
        }
    },
};

/** Query parameters by which a client verifies the server's certificate, per engine. */
const VERIFYING: Record<string, { param: string; values: readonly string[] }> = {
    postgres: { param: "sslmode", values: ["verify-full", "verify-ca"] },
    mysql: { param: "ssl-mode", values: ["VERIFY_IDENTITY", "VERIFY_CA"] },
};

export const tlsRequiredInContract: DbplaceStackPolicy = {
    name: "dbplace-tls-required-in-contract",
    description: "Every connection string of a database contract verifies the server over TLS (sslmode=verify-full/verify-ca, ssl-mode=VERIFY_IDENTITY/VERIFY_CA), or the contract carries the CA (caCert) to verify with.",
    severity: "high",
    remediationSteps: "Serve TLS from a certificate of the stack's CA and hand out `?sslmode=verify-full` (postgres) or `?ssl-mode=VERIFY_IDENTITY` (mysql) with the CA as caCert.",
    validateStack: (args, report) => {
        for (const c of contractsOf(args.resources)) {
            if (c.caCert && /-----BEGIN CERTIFICATE-----/.test(c.caCert)) continue;
            const engine = engineOf(c);
            const rule = engine ? VERIFYING[engine] : undefined;
            if (!rule) continue;
            const plain = Object.entries(c.uris).filter(([, uri]) => {
                const value = parse(uri)?.searchParams.get(rule.param);
                return !value || !rule.values.some((v) => v.toLowerCase() === value.toLowerCase());
            });
            if (plain.length === 0) continue;
            const shown = plain.map(([f, uri]) => `${f} (${rule.param}=${parse(uri)?.searchParams.get(rule.param) ?? "unset"})`);
            report(`${c.where}: ${listing(shown)} does not verify the server, and the contract has no caCert: a client cannot tell the database from an impostor, and may talk in cleartext. Use ${rule.param}=${rule.values.join(" or ")} or hand out the CA.`, c.urn);
        }
    },
};
