import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { caCertificate, serverTls } from "./x509";

export interface DatabaseTlsArgs {
    /** Names the CA and the server certificate carry, e.g. `<stack>/<database>`. */
    readonly commonName: string;
    /**
     * Every address clients connect to with sslmode=verify-full: 127.0.0.1, container aliases, service
     * names, or a load balancer's name known only once it exists (an output).
     */
    readonly subjectAltNames: readonly pulumi.Input<string>[];
    /**
     * More server certificates from the same CA, each with its own key and names: servers that clients
     * reach by other names (a primary and its read replicas) verify against the one `caCert` without
     * sharing a key, so a replica's key never lets it pass for the primary. Default: none.
     */
    readonly servers?: Record<string, readonly pulumi.Input<string>[]>;
}

/** A server certificate and its key, signed by the database's CA. */
export interface ServerCertificate {
    readonly caCert: pulumi.Output<string>;
    readonly serverCert: pulumi.Output<string>;
    /** PKCS#8 PEM: always a secret. */
    readonly serverKey: pulumi.Output<string>;
}

/**
 * The database's CA and its server certificate. Only two random seeds are resources (kept in state as
 * secrets); the RSA keys and certificates are derived from them on every run, byte for byte the
 * same, so nothing diffs until a seed is replaced, which is how the certificate is rotated.
 */
export class DatabaseTls extends pulumi.ComponentResource implements ServerCertificate {
    /** The CA certificate (public): the contract's `caCert`, what clients verify against. */
    public readonly caCert: pulumi.Output<string>;
    public readonly serverCert: pulumi.Output<string>;
    /** PKCS#8 PEM of the server key: always a secret. */
    public readonly serverKey: pulumi.Output<string>;
    /** The certificates of {@link DatabaseTlsArgs.servers}, by the same keys. */
    public readonly servers: Record<string, ServerCertificate>;

    constructor(name: string, args: DatabaseTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:tls:DatabaseTls", name, {}, opts);
        if (args.subjectAltNames.length === 0) throw new Error(`${name}: subjectAltNames must name at least one host clients connect to.`);
        const parent = { parent: this };
        const caSeed = new random.RandomBytes(`${name}-ca-seed`, { length: 32 }, parent);
        const serverSeed = new random.RandomBytes(`${name}-server-seed`, { length: 32 }, parent);
        const caName = `dbplace CA ${args.commonName}`;
        const issued = pulumi.all([caSeed.hex, serverSeed.hex, pulumi.all([...args.subjectAltNames])]).apply(([ca, server, sans]) =>
            serverTls(ca, caName, server, args.commonName, sans));
        // The CA certificate is public; unwrapping it lets clients and outputs show it in the clear.
        this.caCert = pulumi.unsecret(caSeed.hex.apply((ca) => caCertificate(ca, caName)));
        this.serverCert = pulumi.unsecret(issued.apply((t) => t.certPem));
        this.serverKey = pulumi.secret(issued.apply((t) => t.keyPem));
        this.servers = Object.fromEntries(Object.entries(args.servers ?? {}).map(([key, sans]) => {
            if (sans.length === 0) throw new Error(`${name}: server "${key}" must name at least one host clients connect to.`);
            const seed = new random.RandomBytes(`${name}-${key}-seed`, { length: 32 }, parent);
            const cert = pulumi.all([caSeed.hex, seed.hex, pulumi.all([...sans])]).apply(([ca, server, names]) =>
                serverTls(ca, caName, server, `${args.commonName} ${key}`, names));
            return [key, { caCert: this.caCert, serverCert: pulumi.unsecret(cert.apply((t) => t.certPem)), serverKey: pulumi.secret(cert.apply((t) => t.keyPem)) }];
        }));
        this.registerOutputs({ caCert: this.caCert, serverCert: this.serverCert });
    }
}
