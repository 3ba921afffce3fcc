// SCRAM-SHA-256 verifiers in PostgreSQL's pg_authid format, so the reader
// role's password reaches the image as a hash (build arg) and never as
// plaintext. RFC 5802/7677; same derivation as PostgreSQL's scram_build_secret.
import * as crypto from "crypto";

const ITERATIONS = 4096; // PostgreSQL's default scram_iterations

/**
 * `SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`.
 * Without an explicit salt it is derived from the password (HMAC), so the same
 * password always yields the same verifier and `pulumi up` shows no diff on
 * every run. The price: equal passwords give equal verifiers across stacks;
 * pass a random, persisted salt if that matters to you.
 */
export function scramVerifier(password: string, salt?: Buffer): string {
  if (!password) throw new Error("scramVerifier needs a non-empty password.");
  // PostgreSQL applies SASLprep; NFKC covers it for everything but exotic
  // code points (which PostgreSQL then uses raw, as we do after NFKC).
  const pw = password.normalize("NFKC");
  const s = salt ?? crypto.createHmac("sha256", "dbplace-scram-salt").update(pw).digest().subarray(0, 16);
  const salted = crypto.pbkdf2Sync(pw, s, ITERATIONS, 32, "sha256");
  const clientKey = crypto.createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = crypto.createHash("sha256").update(clientKey).digest();
  const serverKey = crypto.createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${ITERATIONS}:${s.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

export function isScramVerifier(v: string): boolean {
  return /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/.test(v);
}
