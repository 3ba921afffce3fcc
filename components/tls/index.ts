export { DatabaseTls } from "./certificates";
export type { DatabaseTlsArgs } from "./certificates";
export { caCertificate, issueCertificate, keyFromSeed, serverTls } from "./x509";
