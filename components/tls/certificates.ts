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
}

/**
 * The database's CA and its server certificate. Only two random seeds are resources (kept in state as
 * secrets); the RSA keys and certificates are derived from them on every run, byte for byte the
 * same, so nothing diffs until a seed is replaced, which is how the certificate is rotated.
 */
export class DatabaseTls extends pulumi.ComponentResource {
    /** The CA certificate (public): the contract's `caCert`, what clients verify against. */
    public readonly caCert: pulumi.Output<string>;
    public readonly serverCert: pulumi.Output<string>;
    /** PKCS#8 PEM of the server key: always a secret. */
    public readonly serverKey: pulumi.Output<string>;

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
        this.registerOutputs({ caCert: this.caCert, serverCert: this.serverCert });
    }
}
