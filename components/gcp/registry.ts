import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { bakedReplicaImage } from "../replicas/bake-image";
import { gcpLabels, gcpOf, serviceAccountId, stackScopedId } from "./naming";

export interface BakedRegistry {
    readonly repository: gcp.artifactregistry.Repository;
    /** `<region>-docker.pkg.dev/<project>/<repository>`: prefix of every image pushed here. */
    readonly url: pulumi.Output<string>;
    /** Identity of the re-bake job: may push to the repository and read the dumps, nothing else. */
    readonly bakerEmail: pulumi.Output<string>;
}

/**
 * The Artifact Registry repository baked images live in, with the two grants that make it work: a
 * baker identity that pushes (and reads the scheduled dumps it bakes from) and, per puller, read
 * access to this repository only. Old images are cleaned up, the newest ten are always kept.
 */
export function bakedRegistry(name: string, args: {
    spec: DatabaseSpec;
    /** Service account emails that pull baked images (replica VMs, GKE nodes). */
    pullers: pulumi.Input<string>[];
    /** Bucket with the scheduled dumps. Default: none (managed placement has no dump bucket). */
    dumpBucket?: pulumi.Input<string>;
    parent: pulumi.Resource;
}): BakedRegistry {
    const { spec } = args;
    const { project, region } = gcpOf(spec);
    const parent = { parent: args.parent };
    const repositoryId = stackScopedId(spec, "baked");
    const repository = new gcp.artifactregistry.Repository(`${name}`, {
        project,
        location: region,
        repositoryId,
        format: "DOCKER",
        description: `dbplace ${spec.name}: image-baked read replicas`,
        labels: gcpLabels(spec, "registry"),
        cleanupPolicies: [
            { id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: 10 } },
            { id: "drop-old", action: "DELETE", condition: { tagState: "ANY", olderThan: "2592000s" } },
        ],
    }, parent);
    const baker = new gcp.serviceaccount.Account(`${name}-baker`, {
        project,
        accountId: serviceAccountId(spec, "baker"),
        displayName: `dbplace ${spec.name}: re-bake job`,
    }, parent);
    const iam = (suffix: string, role: string, member: pulumi.Input<string>) =>
        new gcp.artifactregistry.RepositoryIamMember(`${name}-${suffix}`, {
            project,
            location: region,
            repository: repository.name,
            role,
            member: pulumi.interpolate`serviceAccount:${member}`,
        }, parent);
    iam("baker-writer", "roles/artifactregistry.writer", baker.email);
    args.pullers.forEach((email, i) => iam(`reader-${i}`, "roles/artifactregistry.reader", email));
    // replicas.image usually lives in another repository (baked beforehand): pullers need read access there too.
    const source = spec.replicas.image !== undefined ? artifactRegistryRepository(spec.replicas.image) : undefined;
    if (source) {
        args.pullers.forEach((email, i) => new gcp.artifactregistry.RepositoryIamMember(`${name}-image-reader-${i}`, {
            project: source.project,
            location: source.location,
            repository: source.repository,
            role: "roles/artifactregistry.reader",
            member: pulumi.interpolate`serviceAccount:${email}`,
        }, parent));
    }
    if (args.dumpBucket !== undefined) {
        new gcp.storage.BucketIAMMember(`${name}-baker-dumps`, {
            bucket: args.dumpBucket,
            role: "roles/storage.objectViewer",
            member: pulumi.interpolate`serviceAccount:${baker.email}`,
        }, parent);
    }
    return { repository, url: pulumi.interpolate`${region}-docker.pkg.dev/${project}/${repository.repositoryId}`, bakerEmail: baker.email };
}

/**
 * The Artifact Registry repository of an image reference `<location>-docker.pkg.dev/<project>/<repository>/<image>`,
 * or undefined for any other registry. Source: Artifact Registry docs, "Docker repository and image names".
 */
export function artifactRegistryRepository(image: string): { location: string; project: string; repository: string } | undefined {
    const m = /^([a-z0-9-]+)-docker\.pkg\.dev\/([^/]+)\/([^/]+)\/[^/]/.exec(image);
    return m ? { location: m[1], project: m[2], repository: m[3] } : undefined;
}

/**
 * The image replicas run: `replicas.image` as given, or `replicas.dump` baked here (the bake library
 * restores it at build time) and pushed to `replicas.repository` or the stack's registry, tagged with
 * the dump's digest and referenced by digest so instances never run a moved tag.
 */
export function bakedImage(name: string, args: { spec: DatabaseSpec; registry: BakedRegistry; readerPassword: pulumi.Output<string>; parent: pulumi.Resource }): pulumi.Output<string> {
    const { spec } = args;
    if (spec.replicas.image !== undefined) return pulumi.output(spec.replicas.image);
    const { region } = gcpOf(spec);
    const repository = spec.replicas.repository !== undefined ? pulumi.output(spec.replicas.repository) : pulumi.interpolate`${args.registry.url}/${spec.name}-baked`;
    const token = gcp.organizations.getClientConfigOutput({ parent: args.parent }).accessToken;
    return bakedReplicaImage(name, {
        spec,
        readerPassword: args.readerPassword,
        repository,
        platform: "linux/amd64",
        // The deployer's own Google credentials push (a short-lived token, kept as a secret).
        push: { login: { server: `${region}-docker.pkg.dev`, username: "oauth2accesstoken", password: token } },
    }, { parent: args.parent, dependsOn: [args.registry.repository] });
}
