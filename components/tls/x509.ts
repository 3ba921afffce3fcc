// Deterministic RSA keys and X.509 certificates from a secret seed. Pure Node, no @pulumi imports:
// the placements derive them from a random.RandomBytes kept in state, and the docker tier uses the
// same code. Deterministic on purpose: RSA PKCS#1 v1.5 signatures carry no randomness, and the primes
// come from a DRBG over the seed, so the same seed gives the same PEM on every `pulumi up` (no perpetual
// diff) while only the seed is stored, as a secret. RSA rather than Ed25519: libpq before 17 cannot do
// SCRAM channel binding over an Ed25519 certificate ("could not find digest for NID UNDEF").
import * as crypto from "node:crypto";
import { isIP } from "node:net";

export interface KeyPair {
    /** PKCS#8 PEM, what postgres' ssl_key_file takes. */
    readonly privateKeyPem: string;
    readonly privateKey: crypto.KeyObject;
    /** SubjectPublicKeyInfo DER. */
    readonly publicKeySpki: Buffer;
}

const E = 65537n;
const toBig = (b: Buffer) => BigInt(`0x${b.toString("hex")}`);
function toB64u(v: bigint): string {
    const hex = v.toString(16);
    return Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex").toString("base64url");
}
function modInverse(a: bigint, m: bigint): bigint {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1 !== 0n) {
        const q = r0 / r1;
        [r0, r1] = [r1, r0 - q * r1];
        [s0, s1] = [s1, s0 - q * s1];
    }
    return ((s0 % m) + m) % m;
}

/** A 1024-bit prime found by walking up from a seed-derived odd candidate with the top two bits set. */
function primeFrom(seed: Buffer, label: string): bigint {
    const block = (i: number) => crypto.createHmac("sha512", seed).update(`${label}:${i}`).digest();
    const bytes = Buffer.concat([block(0), block(1)]);
    bytes[0] |= 0xc0;
    bytes[bytes.length - 1] |= 1;
    for (let p = toBig(bytes); ; p += 2n) {
        if ((p - 1n) % E !== 0n && crypto.checkPrimeSync(p, { checks: 40 })) return p;
    }
}

const keys = new Map<string, KeyPair>();

/** An RSA-2048 key from a hex seed of at least 32 bytes. */
export function keyFromSeed(seedHex: string): KeyPair {
    const cached = keys.get(seedHex);
    if (cached) return cached;
    const seed = Buffer.from(seedHex, "hex");
    if (seed.length < 32) throw new Error(`a key seed needs 32 bytes of hex, got ${seed.length} bytes.`);
    let p = primeFrom(seed, "p");
    let q = primeFrom(seed, "q");
    if (p < q) [p, q] = [q, p];
    const n = p * q;
    const d = modInverse(E, (p - 1n) * (q - 1n));
    const jwk = { kty: "RSA", n: toB64u(n), e: toB64u(E), d: toB64u(d), p: toB64u(p), q: toB64u(q),
        dp: toB64u(d % (p - 1n)), dq: toB64u(d % (q - 1n)), qi: toB64u(modInverse(q, p)) };
    const privateKey = crypto.createPrivateKey({ key: jwk, format: "jwk" });
    const pair = {
        privateKey,
        privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        publicKeySpki: crypto.createPublicKey(privateKey).export({ type: "spki", format: "der" }),
    };
    keys.set(seedHex, pair);
    return pair;
}

// --- minimal DER ---------------------------------------------------------------------------------
function tlv(tag: number, body: Buffer): Buffer {
    const n = body.length;
    const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer) => tlv(0x04, b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, "utf8"));
const explicit = (n: number, b: Buffer) => tlv(0xa0 + n, b);
function oid(dotted: string): Buffer {
    const [a, b, ...rest] = dotted.split(".").map(Number);
    const out = [40 * a + b];
    for (const v of rest) {
        const chunk = [v & 0x7f];
        for (let x = v >> 7; x > 0; x >>= 7) chunk.unshift((x & 0x7f) | 0x80);
        out.push(...chunk);
    }
    return tlv(0x06, Buffer.from(out));
}
function integer(b: Buffer): Buffer {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}
function time(d: Date): Buffer {
    const iso = d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
    return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}
const name = (cn: string) => seq(set(seq(oid("2.5.4.3"), utf8(cn))));
const ext = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
const SHA256_RSA = seq(oid("1.2.840.113549.1.1.11"), tlv(0x05, Buffer.alloc(0)));

export interface CertificateRequest {
    readonly commonName: string;
    /** DNS names and IP addresses the server answers on; clients with sslmode=verify-full check them. */
    readonly subjectAltNames?: readonly string[];
    readonly isCa: boolean;
    readonly subjectKey: KeyPair;
    /** The CA's key and name; absent = self-signed. */
    readonly issuer?: { readonly commonName: string; readonly key: KeyPair };
}

/**
 * Valid from a fixed date until RFC 5280's "no well-defined expiration" (9999-12-31): a certificate
 * that expires on a date nobody chose would take every database down at once. Rotation is replacing
 * the seed (see README, Security); the files are mounted, so no image is re-baked for it.
 */
export const NOT_BEFORE = new Date("2024-01-01T00:00:00Z");
export const NOT_AFTER = new Date("9999-12-31T23:59:59Z");

function keyId(spki: Buffer): Buffer {
    return crypto.createHash("sha1").update(spki).digest();
}

function sanEntry(n: string): Buffer {
    const family = isIP(n);
    if (family === 4) return tlv(0x87, Buffer.from(n.split(".").map(Number)));
    if (family === 6) throw new Error(`IPv6 subject alternative names are not supported yet: ${n}`);
    // `_` too: private names carry the stack's name (ro.<db>.<stack>.dbplace.internal), and Pulumi stack names may have one;
    // libpq and OpenSSL compare the name as given.
    if (!/^[A-Za-z0-9*_]([A-Za-z0-9._-]*[A-Za-z0-9_])?$/.test(n)) throw new Error(`"${n}" is neither a DNS name nor an IPv4 address.`);
    return tlv(0x82, Buffer.from(n, "ascii"));
}

/** A DER-encoded certificate, PEM-wrapped. Same inputs, same bytes. */
export function issueCertificate(r: CertificateRequest): string {
    const issuerName = r.issuer?.commonName ?? r.commonName;
    const signer = r.issuer?.key ?? r.subjectKey;
    const serial = crypto.createHash("sha256").update(r.subjectKey.publicKeySpki).update(issuerName).digest().subarray(0, 16);
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    const extensions = [
        ext("2.5.29.19", true, r.isCa ? seq(bool(true)) : seq()),
        // CA: keyCertSign + cRLSign; server: digitalSignature + keyEncipherment.
        ext("2.5.29.15", true, r.isCa ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0xa0]), 5)),
        ext("2.5.29.14", false, octets(keyId(r.subjectKey.publicKeySpki))),
        ext("2.5.29.35", false, seq(tlv(0x80, keyId(signer.publicKeySpki)))),
        ...(r.isCa ? [] : [ext("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1")))]),
        ...(r.subjectAltNames?.length ? [ext("2.5.29.17", false, seq(...r.subjectAltNames.map(sanEntry)))] : []),
    ];
    const tbs = seq(
        explicit(0, integer(Buffer.from([2]))),
        integer(serial),
        SHA256_RSA,
        name(issuerName),
        seq(time(NOT_BEFORE), time(NOT_AFTER)),
        name(r.commonName),
        r.subjectKey.publicKeySpki,
        explicit(3, seq(...extensions)),
    );
    const der = seq(tbs, SHA256_RSA, bits(crypto.sign("sha256", tbs, signer.privateKey)));
    const b64 = der.toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
    return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

export interface ServerTls {
    readonly caCertPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** The CA certificate for a CA seed; `commonName` names the CA (e.g. the stack and database). */
export function caCertificate(caSeedHex: string, commonName: string): string {
    return issueCertificate({ commonName, isCa: true, subjectKey: keyFromSeed(caSeedHex) });
}

/** A server certificate signed by the CA of `caSeedHex`, for the names clients connect to. */
export function serverTls(caSeedHex: string, caName: string, serverSeedHex: string, serverName: string, sans: readonly string[]): ServerTls {
    const caKey = keyFromSeed(caSeedHex);
    const key = keyFromSeed(serverSeedHex);
    return {
        caCertPem: caCertificate(caSeedHex, caName),
        certPem: issueCertificate({ commonName: serverName, subjectAltNames: sans, isCa: false, subjectKey: key, issuer: { commonName: caName, key: caKey } }),
        keyPem: key.privateKeyPem,
    };
}
