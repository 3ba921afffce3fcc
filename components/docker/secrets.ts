import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SECRETS_DIR, SECRET_FILES, START_SCRIPT, START_SCRIPT_PATH } from "../bake";
import { DatabaseTls } from "../tls";

type Upload = docker.types.input.ContainerUpload;

/**
 * Files for SECRETS_DIR, as uploads: they land in the container's own layer (never an image layer,
 * never `docker inspect`'s environment), and dbplace-start moves them to postgres-owned 0600 copies.
 */
export function secretUploads(files: Record<string, pulumi.Input<string>>): Upload[] {
    return Object.entries(files).map(([file, content]) => ({ file: `${SECRETS_DIR}/${file}`, content: pulumi.secret(content) }));
}

/** The entrypoint the base image lacks (baked replica images carry it already). */
export function startScriptUpload(): Upload {
    return { file: START_SCRIPT_PATH, content: START_SCRIPT, executable: true };
}

/** Certificate, key and CA for any server of the database. */
export function tlsFiles(tls: DatabaseTls): Record<string, pulumi.Input<string>> {
    return { [SECRET_FILES.serverCert]: tls.serverCert, [SECRET_FILES.serverKey]: tls.serverKey, [SECRET_FILES.caCert]: tls.caCert };
}
