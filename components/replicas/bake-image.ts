import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { BakeContext, scramVerifier } from "../bake";
import { DatabaseSpec } from "../config/validate";
import { preparedBake } from "./preflight";

/**
 * The one place a placement turns `replicas.dump` into a docker.Image build: every placement passes the
 * same build args (the reader role's SCRAM verifier included, under the name the Dockerfile reads), so
 * an image baked on docker, a cluster, AWS or GCP behaves the same.
 */
export function bakedImageBuild(
    spec: DatabaseSpec,
    readerPassword: pulumi.Input<string>,
    opts: { platform?: string } = {},
): { context: BakeContext; verifier: pulumi.Output<string>; build: docker.types.input.DockerBuild } {
    const context = preparedBake(spec);
    const verifier = pulumi.secret(pulumi.output(readerPassword).apply((p) => scramVerifier(p)));
    return {
        context,
        verifier,
        build: {
            context: context.dir,
            dockerfile: context.dockerfile,
            args: { ...context.buildArgs, READER_VERIFIER: verifier },
            ...(opts.platform ? { platform: opts.platform } : {}),
        },
    };
}
