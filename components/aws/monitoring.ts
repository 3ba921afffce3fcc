import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { AlarmSpec } from "./alarms";
import { awsTags, slug } from "./tags";
import { formerTypeAliases } from "../renames";

export interface AwsAlertsArgs {
    /** Required. The database: its name tags the topic, `alertEmail` (default none) subscribes. */
    readonly spec: DatabaseSpec;
    /** The database's key; the topic is encrypted with it (its policy lets CloudWatch publish). */
    readonly kmsKeyId: pulumi.Input<string>;
}

/**
 * Where a database's alarms go: an encrypted SNS topic, with an email subscription when `alertEmail`
 * is set (AWS mails a confirmation link first). Alarms are created through `alarm()` so each one
 * notifies on both ALARM and OK.
 */
export class AwsAlerts extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    private readonly database: string;

    constructor(name: string, args: AwsAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:Monitoring", name, {}, formerTypeAliases("dbplace:aws:Monitoring", opts));
        const { spec } = args;
        this.database = spec.name;
        const topic = new aws.sns.Topic(`${name}-topic`, {
            kmsMasterKeyId: args.kmsKeyId,
            tags: awsTags(spec.name, "alerts"),
        }, { parent: this });
        if (spec.alertEmail) {
            new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: spec.alertEmail }, { parent: this });
        }
        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }

    /** One CloudWatch alarm per spec, parented to `parent` (the resource it watches belongs there). */
    alarms(prefix: string, specs: readonly AlarmSpec[], parent: pulumi.Resource): aws.cloudwatch.MetricAlarm[] {
        return specs.map((a) => new aws.cloudwatch.MetricAlarm(`${prefix}-${a.suffix}`, {
            name: `dbplace-${slug(pulumi.getStack())}-${prefix}-${a.suffix}`,
            alarmDescription: a.description,
            namespace: a.namespace,
            metricName: a.metricName,
            dimensions: a.dimensions,
            statistic: a.statistic,
            comparisonOperator: a.comparison,
            threshold: a.threshold,
            period: a.periodSeconds,
            evaluationPeriods: a.evaluationPeriods,
            datapointsToAlarm: a.datapointsToAlarm ?? a.evaluationPeriods,
            treatMissingData: a.missing ?? "missing",
            alarmActions: [this.topicArn],
            okActions: [this.topicArn],
            tags: awsTags(this.database, "alarm"),
        }, { parent }));
    }
}
