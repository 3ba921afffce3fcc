import { MockRun, runProgram } from "../../../lib/mock-runner";

/**
 * The boot scripts exactly as `pulumi up` would send them: the project's program runs under the mock
 * runner with a stack config, and the scripts are read back from the recorded instance inputs.
 */
export interface CloudScripts {
    cloud: "aws" | "gcp";
    run: MockRun;
    primary: string;
    standby: string;
    /** AWS: the EBS volume ids of the data disks; GCP: the attached disks' device names. */
    primaryDisk: string;
    standbyDisk: string;
}

/** One Postgres 15 VM (Debian 12's own package: PGDG is out of reach offline), one streaming standby, nightly dumps. */
const database = { placement: "vm", engineVersion: "15", replicas: { kind: "streaming", count: 1 }, backup: { schedule: "0 3 * * *" } };

export const STACKS = {
    aws: {
        "aws:region": "eu-west-1",
        "dbplace:cloud": "aws",
        "dbplace:network": { allowedCidrs: ["10.100.0.0/16"] },
        "dbplace:databases": { catalog: database },
    },
    gcp: {
        "gcp:project": "acme-test",
        "gcp:region": "europe-west1",
        "dbplace:cloud": "gcp",
        // Clients inside the VMs' subnet (10.20.0.0/20), so one test network holds both.
        "dbplace:network": { allowedCidrs: ["10.20.8.0/24"] },
        "dbplace:databases": { catalog: database },
    },
} as const;

function single<T>(list: T[], what: string): T {
    if (list.length !== 1) throw new Error(`expected one ${what}, found ${list.length}`);
    return list[0];
}

const custom = (run: MockRun, type: string) => run.resources.filter((r) => r.type === type && r.custom);

export async function awsScripts(): Promise<CloudScripts> {
    const run = await runProgram({ stack: "vm-test", config: STACKS.aws });
    const instances = custom(run, "aws:ec2/instance:Instance");
    const attachments = custom(run, "aws:ec2/volumeAttachment:VolumeAttachment");
    const host = (marker: string) => {
        const i = single(instances.filter((r) => r.inputs.userData.includes(marker)), `instance whose script has ${marker}`);
        const volumeId: string = single(attachments.filter((a) => a.inputs.instanceId === `${i.name}-id`), `data volume of ${i.name}`).inputs.volumeId;
        return { script: i.inputs.userData as string, volumeId };
    };
    const p = host("dbplace-dump");
    const s = host("pg_basebackup");
    return { cloud: "aws", run, primary: p.script, standby: s.script, primaryDisk: p.volumeId, standbyDisk: s.volumeId };
}

export async function gcpScripts(): Promise<CloudScripts> {
    const run = await runProgram({ stack: "vm-test", config: STACKS.gcp });
    const instances = custom(run, "gcp:compute/instance:Instance");
    const host = (role: string) => single(instances.filter((r) => r.inputs.metadata["startup-script"].includes(`, ${role});`)), `${role} instance`);
    const p = host("primary");
    const s = host("standby");
    return {
        cloud: "gcp", run,
        primary: p.inputs.metadata["startup-script"], standby: s.inputs.metadata["startup-script"],
        primaryDisk: p.inputs.attachedDisks[0].deviceName, standbyDisk: s.inputs.attachedDisks[0].deviceName,
    };
}

/** The one value a regex finds in a script (what the cloud must hold for it: a secret's id, a DNS name…). */
export function grab(script: string, re: RegExp, what: string): string {
    const m = re.exec(script);
    if (!m) throw new Error(`the script names no ${what} (${re})`);
    return m[1];
}
