import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** Trust policy letting one AWS service (or the EKS pod identity agent) assume a role. */
export function trustService(service: string, actions: string[] = ["sts:AssumeRole"]): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: actions }],
    });
}

export interface Statement {
    Sid?: string;
    Effect: "Allow" | "Deny";
    /** Resource policies only (buckets, keys); identity policies leave it out. */
    Principal?: "*" | Record<string, pulumi.Input<string>>;
    Action: string | string[];
    Resource: pulumi.Input<string> | pulumi.Input<string>[];
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export function policyDocument(statements: Statement[]): pulumi.Output<string> {
    return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/**
 * A role for one job, with AWS managed policies attached by name and an optional inline policy.
 * Attachments are separate resources (not `managedPolicyArns`, deprecated) named after the policy.
 */
export function serviceRole(name: string, args: {
    trust: pulumi.Input<string>;
    description: string;
    managedPolicies?: string[];
    inline?: pulumi.Input<string>;
    tags?: Record<string, string>;
}, parent: pulumi.Resource): { role: aws.iam.Role; attachments: pulumi.Resource[] } {
    const role = new aws.iam.Role(name, { assumeRolePolicy: args.trust, description: args.description, tags: args.tags }, { parent });
    const partition = aws.getPartitionOutput({}, { parent }).partition;
    const attachments: pulumi.Resource[] = (args.managedPolicies ?? []).map((policy) =>
        new aws.iam.RolePolicyAttachment(`${name}-${policy.split("/").pop()!.replace(/^AmazonEKS_?/, "eks-").toLowerCase()}`, {
            role: role.name,
            policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`,
        }, { parent }));
    if (args.inline !== undefined) {
        attachments.push(new aws.iam.RolePolicy(`${name}-inline`, { role: role.id, policy: args.inline }, { parent }));
    }
    return { role, attachments };
}
