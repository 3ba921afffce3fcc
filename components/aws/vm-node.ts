import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSpec } from "../config/validate";
import { statefulOptions } from "../contract";
import { ec2Alarms } from "./alarms";
import { AwsAlerts } from "./monitoring";
import { awsTags } from "./tags";
import { vmScript, VmScriptArgs } from "./vm-cloud-init";

export interface AwsVmNodeArgs {
    /** Required. The database the node serves. */
    readonly spec: DatabaseSpec;
    /** `primary` or `standby-<i>`: names, tags and the boot script's role. */
    readonly role: string;
    /** Required. A private subnet. */
    readonly subnetId: pulumi.Input<string>;
    /** The subnet's AZ: the data volume must live where the instance runs. */
    readonly availabilityZone: pulumi.Input<string>;
    /** Required. From the size preset. */
    readonly instanceType: string;
    /** Required. Debian 12 (postgres) or Ubuntu 24.04 (mysql) for the instance type's architecture (lookups.ts). */
    readonly ami: pulumi.Input<string>;
    /** Required. The database's group. */
    readonly securityGroupId: pulumi.Input<string>;
    /** Required. SSM, CloudWatch agent, credentials, dumps. */
    readonly instanceProfileName: pulumi.Input<string>;
    /** Encrypts the root and data volumes. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** Required. Size of the data volume. */
    readonly storageGb: number;
    /** Everything the boot script needs except the data volume's id, which this component supplies. */
    readonly script: pulumi.Input<Omit<VmScriptArgs, "volumeId">>;
    /** Tag value the snapshot policy selects data volumes by. */
    readonly snapshotTag: string;
    /** Default: no alarms. */
    readonly alerts?: AwsAlerts;
}

/** Device name the data volume is attached as (NVMe instances show it by volume id, see vm-cloud-init.ts). */
export const DATA_DEVICE = "/dev/sdf";

/**
 * One database VM: a private instance (no public address, IMDSv2, no SSH key — SSM sessions only) and
 * a separate encrypted gp3 data volume that outlives it. Any change to the boot script replaces the
 * instance, which re-attaches the same volume and re-applies the configuration; the volume itself is
 * protected and snapshotted on deletion.
 */
export class AwsVmNode extends pulumi.ComponentResource {
    public readonly instanceId: pulumi.Output<string>;
    public readonly privateIp: pulumi.Output<string>;
    public readonly volumeId: pulumi.Output<string>;

    constructor(name: string, args: AwsVmNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("dbplace:aws:VmNode", name, {}, opts);
        const { spec } = args;
        const parent = { parent: this };

        const volume = new aws.ebs.Volume(`${name}-data`, {
            availabilityZone: args.availabilityZone,
            size: args.storageGb,
            type: "gp3",
            encrypted: true,
            kmsKeyId: args.kmsKeyArn,
            finalSnapshot: true,
            tags: { ...awsTags(spec.name, `${args.role}-data`), "dbplace:snapshot": args.snapshotTag },
        }, statefulOptions(spec, parent));

        const instance = new aws.ec2.Instance(`${name}-instance`, {
            ami: args.ami,
            instanceType: args.instanceType,
            subnetId: args.subnetId,
            vpcSecurityGroupIds: [args.securityGroupId],
            associatePublicIpAddress: false,
            // EC2's own guard against a console or CLI terminate. Pulumi's replacements still work: the provider
            // lifts it before its own delete, and Pulumi's guard for that is the protected data volume.
            disableApiTermination: spec.deletionProtection,
            iamInstanceProfile: args.instanceProfileName,
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            // Root tags on the root device only: `volumeTags` would also own the separately managed data volume's tags and
            // strip the snapshot tag the DLM policy selects on at the next refresh (aws.ec2.Instance docs, volumeTags note).
            rootBlockDevice: { volumeType: "gp3", volumeSize: 20, encrypted: true, kmsKeyId: args.kmsKeyArn, deleteOnTermination: true, tags: awsTags(spec.name, `${args.role}-root`) },
            userData: pulumi.all([volume.id, args.script]).apply(([volumeId, script]) => vmScript({ ...script, volumeId })),
            // The script runs once per instance, so a new script means a new instance (the data volume moves over).
            userDataReplaceOnChange: true,
            tags: awsTags(spec.name, args.role),
        }, {
            ...parent,
            // A newer AMI (the lookup moves weekly) must not replace a running database; patching is unattended-upgrades' job.
            ignoreChanges: ["ami"],
        });

        new aws.ec2.VolumeAttachment(`${name}-attach`, {
            deviceName: DATA_DEVICE,
            volumeId: volume.id,
            instanceId: instance.id,
            // A clean engine shutdown before the volume moves to a replacement instance.
            stopInstanceBeforeDetaching: true,
        }, { ...parent, deleteBeforeReplace: true });

        args.alerts?.alarms(name, ec2Alarms(instance.id, spec.engine), this);

        this.instanceId = instance.id;
        this.privateIp = instance.privateIp;
        this.volumeId = volume.id;
        this.registerOutputs({ instanceId: this.instanceId, privateIp: this.privateIp, volumeId: this.volumeId });
    }
}
