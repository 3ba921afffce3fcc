export { DatabaseTls } from "./certificates";
export type { DatabaseTlsArgs, ServerCertificate } from "./certificates";
export { caCertificate, issueCertificate, keyFromSeed, serverTls } from "./x509";
