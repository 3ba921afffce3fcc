import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { InstancePreset } from "../config/presets";
import { DatabaseSpec } from "../config/validate";

/** Canonical's account: the only publisher whose Ubuntu images we boot. */
export const CANONICAL_OWNER = "099720109477";
/** The Debian project's account (https://wiki.debian.org/Cloud/AmazonEC2Image/Bookworm). */
export const DEBIAN_OWNER = "136693071363";

export type Architecture = "arm64" | "x86_64";

/** Graviton families carry a `g` after the generation digit (t4g, m7g, r7gd, c8g). */
export function architectureOf(instanceType: string): Architecture {
    return /^[a-z]+\d+g[a-z]*\./.test(instanceType.replace(/^db\./, "")) ? "arm64" : "x86_64";
}

/**
 * The newest Ubuntu 24.04 LTS server image for the architecture. Looked up, not pinned, so new stacks
 * start patched; instances ignore later AMI changes (see vm-node.ts) so a new image never replaces a
 * running database by surprise.
 */
export function ubuntuAmi(arch: Architecture, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const debArch = arch === "arm64" ? "arm64" : "amd64";
    return aws.ec2.getAmiOutput({
        owners: [CANONICAL_OWNER],
        mostRecent: true,
        filters: [
            { name: "name", values: [`ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-${debArch}-server-*`] },
            { name: "architecture", values: [arch] },
            { name: "virtualization-type", values: ["hvm"] },
            { name: "root-device-type", values: ["ebs"] },
        ],
    }, opts).id;
}

/**
 * The newest Debian 12 image for the architecture: what postgres VMs and baked-replica hosts boot, the
 * OS their boot scripts are run on in `npm run test:vm`. Same lookup policy as ubuntuAmi.
 */
export function debianAmi(arch: Architecture, opts?: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const debArch = arch === "arm64" ? "arm64" : "amd64";
    return aws.ec2.getAmiOutput({
        owners: [DEBIAN_OWNER],
        mostRecent: true,
        filters: [
            { name: "name", values: [`debian-12-${debArch}-*`] },
            { name: "architecture", values: [arch] },
            { name: "virtualization-type", values: ["hvm"] },
            { name: "root-device-type", values: ["ebs"] },
        ],
    }, opts).id;
}

/** Account, partition and region, for ARNs and key policies. */
export function accountFacts(opts?: pulumi.InvokeOutputOptions): { accountId: pulumi.Output<string>; partition: pulumi.Output<string>; region: pulumi.Output<string> } {
    return {
        accountId: aws.getCallerIdentityOutput({}, opts).accountId,
        partition: aws.getPartitionOutput({}, opts).partition,
        region: aws.getRegionOutput({}, opts).region,
    };
}

/**
 * Memory of the instance classes the presets use, for FreeableMemory / memory alarms. A class missing
 * here gets no memory alarm rather than a wrong threshold.
 */
export const INSTANCE_MEMORY_GIB: Record<string, number> = {
    "t4g.small": 2, "t4g.medium": 4, "t4g.large": 8, "m7g.large": 8, "r7g.xlarge": 32,
    "t3.small": 2, "t3.medium": 4, "t3.large": 8, "m7i.large": 8, "r7i.xlarge": 32,
};

export function memoryGib(instanceType: string): number | undefined {
    return INSTANCE_MEMORY_GIB[instanceType.replace(/^db\./, "")];
}

/** The instance-class preset of a vm/managed spec (validation guarantees one). */
export function instancePreset(spec: DatabaseSpec): InstancePreset {
    if (spec.preset.kind !== "instance") {
        throw new Error(`database "${spec.name}": placement "${spec.placement}" on cloud "aws" needs an instance preset (components/config/presets.ts), got a container preset.`);
    }
    return spec.preset;
}
