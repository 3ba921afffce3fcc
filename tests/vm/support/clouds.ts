import { CloudScripts, awsScripts, grab, gcpScripts } from "./scripts";
import { Lab, Vm } from "./lab";

/** A cloud's pair of database VMs booted from the program's scripts, and what a client of them knows. */
export interface World {
    cloud: "aws" | "gcp";
    scripts: CloudScripts;
    primary: Vm;
    standby: Vm;
    network: string;
    /** Where the application connects from (admitted) and, if the allow-list can refuse one, from where it must not. */
    clientIp: string;
    outsiderIp?: string;
    db: string;
    app: { user: string; password: string };
    /** The dump location under the shared bucket directory, e.g. bucket/prefix/catalog. */
    dumpDir: string;
    /** What a second boot must show: the boot script skipped (cloud-init, once per instance) or run again. */
    secondBoot: RegExp;
}

const PASSWORDS = { app: "app-Secret-1", replication: "repl-Secret-2", monitor: "mon-Secret-3" };

export async function awsWorld(lab: Lab): Promise<World> {
    const scripts = await awsScripts();
    // The VPC's range in the mock run; the instances get addresses in it as EC2 would.
    const network = lab.network("aws", "10.42.0.0/16");
    const ips = { primary: "10.42.1.10", standby: "10.42.2.10" };
    const secretArn = grab(scripts.primary, /--secret-id '([^']+)'/, "secret");
    const primaryHost = grab(scripts.standby, /host=(\S+) user=replicator/, "primary host name");
    const boot = (role: "primary" | "standby", script: string, volumeId: string) => lab.boot(network, {
        name: `aws-${role}`, ip: ips[role], cloud: "aws",
        // Nitro: the second EBS volume is nvme1n1; udev names it after its serial, the volume id without its dash.
        disk: { device: "nvme1n1", byId: `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}` },
        metadata: {
            "/latest/meta-data/placement/region": "eu-west-1",
            "/latest/meta-data/local-ipv4": ips[role],
            "/latest/meta-data/instance-id": `i-0${role === "primary" ? "1" : "2"}23456789abcdef0`,
            "/latest/user-data": script,
        },
        secrets: { [secretArn]: JSON.stringify({ password: PASSWORDS.app, replicationPassword: PASSWORDS.replication }) },
        // The private hosted zone's record for the primary.
        hosts: { [primaryHost]: ips.primary },
    });
    const dump = grab(scripts.primary, /"s3:\/\/([^"$]+)\/\$\(basename/, "dump target");
    return {
        cloud: "aws", scripts, network, clientIp: "10.42.8.50", db: "catalog",
        primary: await boot("primary", scripts.primary, scripts.primaryDisk),
        standby: await boot("standby", scripts.standby, scripts.standbyDisk),
        app: { user: grab(scripts.primary, /ALTER ROLE (\w+) WITH LOGIN/, "application role"), password: PASSWORDS.app },
        dumpDir: dump, secondBoot: /^boot 2 skipped$/,
    };
}

export async function gcpWorld(lab: Lab): Promise<World> {
    const scripts = await gcpScripts();
    const network = lab.network("gcp", "10.20.0.0/20");
    const primaryIp = grab(scripts.standby, /^PRIMARY_IP="([\d.]+)"$/m, "primary address");
    const ips = { primary: primaryIp, standby: primaryIp === "10.20.15.20" ? "10.20.15.21" : "10.20.15.20" };
    const secret = grab(scripts.primary, /--secret="([^"]+)"/, "secret");
    const boot = (role: "primary" | "standby", script: string, deviceName: string) => lab.boot(network, {
        name: `gcp-${role}`, ip: ips[role], cloud: "gcp",
        // GCE names an attached disk google-<deviceName> under /dev/disk/by-id.
        disk: { device: "sdb", byId: `google-${deviceName}` },
        metadata: {
            "/computeMetadata/v1/instance/network-interfaces/0/ip": ips[role],
            "/computeMetadata/v1/instance/attributes/startup-script": script,
            "/computeMetadata/v1/project/project-id": "acme-test",
        },
        secrets: { [secret]: JSON.stringify({ admin: PASSWORDS.app, replication: PASSWORDS.replication, monitor: PASSWORDS.monitor }) },
    });
    const dump = grab(scripts.primary, /cp - "gs:\/\/([^"$]+)\/\$ts/, "dump target");
    return {
        cloud: "gcp", scripts, network, clientIp: "10.20.8.50", outsiderIp: "10.20.9.50", db: "catalog",
        primary: await boot("primary", scripts.primary, scripts.primaryDisk),
        standby: await boot("standby", scripts.standby, scripts.standbyDisk),
        app: { user: "dbadmin", password: PASSWORDS.app }, dumpDir: dump, secondBoot: /^boot 2 rc 0$/,
    };
}
