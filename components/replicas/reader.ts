import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * The read-only role's password on baked replicas, derived from the master's password. Derived, not
 * generated, so an image baked outside Pulumi (`npm run bake`, the re-bake loop) with the stack's master
 * credentials accepts the same password the stack exports in `readConnectionSecret`.
 */
export function deriveReaderPassword(masterPassword: string): string {
    return createHmac("sha256", masterPassword).update("dbplace:reader:v1").digest("base64url").slice(0, 32);
}

export function readerPassword(masterPassword: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.secret(pulumi.output(masterPassword).apply(deriveReaderPassword));
}
