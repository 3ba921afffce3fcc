import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { statefulOptions } from "../contract";
import { accountFacts } from "./lookups";
import { awsTags, slug } from "./tags";

/**
 * One customer-managed key per database: storage, snapshots, dumps, images, secrets and the alert
 * topic. Protected like the data itself, because deleting it makes every snapshot unreadable.
 */
export function databaseKey(name: string, spec: DatabaseSpec, parent: pulumi.Resource): aws.kms.Key {
    const { accountId, partition } = accountFacts({ parent });
    const key = new aws.kms.Key(`${name}-key`, {
        description: `dbplace ${pulumi.getStack()}/${spec.name}: data, backups, dumps, images, secrets`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    // The account's IAM policies decide who else may use the key (services act via grants).
                    Sid: "AccountAdministersTheKey",
                    Effect: "Allow",
                    Principal: { AWS: pulumi.interpolate`arn:${partition}:iam::${accountId}:root` },
                    Action: "kms:*",
                    Resource: "*",
                },
                {
                    // CloudWatch alarms publish to the encrypted alert topic.
                    Sid: "CloudWatchPublishesAlerts",
                    Effect: "Allow",
                    Principal: { Service: "cloudwatch.amazonaws.com" },
                    Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                    Resource: "*",
                    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                },
            ],
        }),
        tags: awsTags(spec.name, "key"),
    }, statefulOptions(spec, { parent }));
    new aws.kms.Alias(`${name}-key`, { name: `alias/dbplace/${slug(pulumi.getStack())}/${spec.name}`, targetKeyId: key.keyId }, { parent });
    return key;
}
