import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { scramVerifier } from "../bake";
import { mysqlNativeHash } from "../bake/mysql-context";
import { isLoopback, registryHost } from "../bake/registry";
import { DatabaseSpec } from "../config/validate";
import { preparedBake } from "./preflight";

export { registryHost };

/** Credentials for the registry a baked image is pushed to. */
export interface RegistryLogin {
    readonly server: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    readonly password: pulumi.Input<string>;
}

export interface BakedReplicaImageArgs {
    readonly spec: DatabaseSpec;
    /** The reader role's password; only its SCRAM verifier reaches the image. */
    readonly readerPassword: pulumi.Input<string>;
    /** Repository (no tag) the image is named in; the tag is the dump digest plus `tagSuffix`. */
    readonly repository: pulumi.Input<string>;
    /** Appended to the tag, e.g. a digest of the verifier where tags are immutable. Default: none. */
    readonly tagSuffix?: pulumi.Input<string>;
    /** Target platform, e.g. linux/amd64 for cloud VMs. Default: the engine's own. */
    readonly platform?: string;
    /**
     * Push after the build, with these credentials (or the engine's own, e.g. a registry without auth,
     * when `login` is absent). Default: no push; the image stays in the local engine.
     */
    readonly push?: { readonly login?: RegistryLogin };
}

/**
 * The one place a placement turns `replicas.dump` (or, with neither dump nor image, the empty database
 * the master starts as) into an image: a `docker.RemoteImage` build with the same build args everywhere
 * (the reader role's SCRAM verifier included, under the name the Dockerfile reads), then a
 * `docker.RegistryImage` push where the replicas pull from a registry.
 *
 * The build block forces a replacement on any change, and the tag is the dump's digest, so the same dump
 * gives no diff while a new dump gives a new image that the replicas roll to, create-before-delete.
 */
/** What replicas run: repo:tag in the local engine, or repo@sha256:… once pushed (a moved tag is never followed). */
export function bakedReplicaImage(name: string, args: BakedReplicaImageArgs, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
    const context = preparedBake(args.spec);
    // The reader's password reaches the image only as the form its engine stores.
    const mysql = args.spec.engine === "mysql";
    const verifier = pulumi.secret(pulumi.output(args.readerPassword).apply((p) => (mysql ? mysqlNativeHash(p) : scramVerifier(p))));
    const imageName = pulumi.interpolate`${args.repository}:${context.tag}${args.tagSuffix ?? ""}`;
    const local = new docker.RemoteImage(`${name}`, {
        name: imageName,
        build: {
            context: context.dir,
            // The provider builds with BuildKit (its embedded buildx) unless DOCKER_BUILDKIT=0; this variant
            // binds the dump into the restore step, so it never lands in a layer (see bake/dockerfile.ts).
            dockerfile: context.dockerfileBuildkit,
            buildArgs: { ...context.buildArgs, [mysql ? "READER_HASH" : "READER_VERIFIER"]: verifier },
            // A restore needs nothing from the network.
            networkMode: "none",
            ...(args.platform ? { platform: args.platform } : {}),
        },
        // A replaced bake is deleted once no replica runs it; nothing else refers to it.
        keepLocally: false,
    }, opts);
    if (!args.push) return local.name;

    // The provider pushes only to registries it has an auth entry for: the given login; else, for a
    // registry on loopback (tests, `npm run registry`), none needed; else the deployer's `docker login`.
    const { login } = args.push;
    const host = pulumi.output(args.repository).apply(registryHost);
    const provider = new docker.Provider(`${name}-registry`, {
        registryAuth: [login
            ? { address: login.server, username: login.username, password: pulumi.secret(login.password) }
            // Plain HTTP on loopback, as Docker itself allows there: the provider reads the pushed digest back.
            : { address: host.apply((h) => (isLoopback(h) ? `http://${h}` : h)), authDisabled: host.apply(isLoopback) }],
    }, { parent: opts.parent });
    const pushed = new docker.RegistryImage(`${name}-push`, {
        name: local.name,
        // Replicas still running the previous bake keep pulling it until their roll is over.
        keepRemotely: true,
        triggers: { imageId: local.imageId },
    }, { ...opts, provider });
    const repository = pulumi.output(args.repository);
    return pulumi.interpolate`${repository}@${pushed.sha256Digest}`;
}
