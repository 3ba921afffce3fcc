import { PolicyConfigSchema } from "@pulumi/policy";
import { stackOf } from "./resource";

/**
 * Which stacks are production. Decided per resource, in this order:
 *   1. the stack tag `dbplace:environment` (`pulumi stack tag set dbplace:environment production`):
 *      `production` means production, any other value means not — an explicit tag always wins;
 *   2. otherwise the stack name, matched against `productionStackPattern` (policy config; default: a
 *      `prod` or `production` word in the name: `prod`, `eu-prod`, `production-2`, not `products`).
 * The stack name comes from the resource URN, so this works the same in preview, up and unit tests.
 */
export const ENVIRONMENT_TAG = "dbplace:environment";
export const DEFAULT_PRODUCTION_PATTERN = "(^|[-_.])prod(uction)?($|[-_.])";

export interface EnvironmentConfig {
    /** Regular expression (case-insensitive) for production stack names. Default: DEFAULT_PRODUCTION_PATTERN. */
    productionStackPattern?: string;
}

/** The config schema every production-only policy shares, so one pattern can be set for all of them. */
export const environmentConfigSchema: PolicyConfigSchema = {
    properties: {
        productionStackPattern: {
            type: "string",
            default: DEFAULT_PRODUCTION_PATTERN,
            description: "Regular expression (case-insensitive) that production stack names match, when the stack has no dbplace:environment tag.",
        },
    },
};

export interface EnvironmentView {
    urn: string;
    stackTags: ReadonlyMap<string, string>;
    config: EnvironmentConfig;
}

export function isProduction(v: EnvironmentView): boolean {
    const tag = v.stackTags.get(ENVIRONMENT_TAG);
    if (tag !== undefined) return tag.trim().toLowerCase() === "production";
    const pattern = v.config.productionStackPattern ?? DEFAULT_PRODUCTION_PATTERN;
    return new RegExp(pattern, "i").test(stackOf(v.urn));
}

/** How a message names the reason a rule applied, so a surprised reader knows what to change. */
export function productionReason(v: EnvironmentView): string {
    const tag = v.stackTags.get(ENVIRONMENT_TAG);
    return tag !== undefined
        ? `stack "${stackOf(v.urn)}" is tagged ${ENVIRONMENT_TAG}=${tag}`
        : `stack name "${stackOf(v.urn)}" matches the production pattern /${v.config.productionStackPattern ?? DEFAULT_PRODUCTION_PATTERN}/`;
}
