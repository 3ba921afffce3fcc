import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { slug } from "./tags";

/**
 * ECR image references. Registry host form: `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>`
 * (Amazon ECR User Guide, "Private registry concepts"); repository ARN form
 * `arn:<partition>:ecr:<region>:<account>:repository/<name>` (Service Authorization Reference, Amazon ECR).
 */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^:@]+)/;

/** The repository ARN an ECR image lives in, or undefined for an image elsewhere (Docker Hub, another registry). */
export function ecrRepositoryArn(image: string): string | undefined {
    const m = ECR_IMAGE.exec(image);
    if (!m) return undefined;
    const [, account, region, cn, repository] = m;
    const partition = cn ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}

/** Name of the repository the stack creates for a database's bakes (baked.ts). */
export function bakedRepositoryName(database: string, stack: string = pulumi.getStack()): string {
    return `dbplace/${slug(stack)}/${database}-baked`;
}

/**
 * Why replicas.image cannot work, or undefined: an image in the repository this same stack creates is
 * never there on the first deploy (the repository is created empty), so replicas would pull forever.
 */
export function ownRepositoryImageProblem(spec: DatabaseSpec, stack: string): string | undefined {
    const image = spec.replicas.image;
    if (spec.replicas.kind !== "baked" || image === undefined) return undefined;
    const m = ECR_IMAGE.exec(image);
    const own = bakedRepositoryName(spec.name, stack);
    if (!m || m[4] !== own) return undefined;
    return `is ${JSON.stringify(image)}, in ECR repository ${own}, which this stack creates empty: nothing can have pushed that tag before the first deploy, so the replicas would never start. Set replicas.dump (baked and pushed there at \`pulumi up\`), or point replicas.image at an image baked beforehand (\`npm run bake\`) in another repository.`;
}
