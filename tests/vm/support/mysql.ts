import { MockRun, runProgram } from "../../../lib/mock-runner";
import { grab } from "./scripts";
import { Lab, Vm } from "./lab";

/**
 * One MySQL VM per cloud, booted from the script the program renders for `engine: mysql,
 * placement: vm`. Debian has no MySQL 8, so Debian 12's MariaDB 10.11 serves (the image's apt-get
 * records the stand-in); the scripts pick the flavour on the host and skip their MySQL-8-only lines.
 */
const database = { placement: "vm", engine: "mysql", engineVersion: "8.0", backup: { schedule: "0 3 * * *" } };

export const MYSQL_STACKS = {
    aws: {
        "aws:region": "eu-west-1",
        "dbplace:cloud": "aws",
        "dbplace:network": { allowedCidrs: ["10.100.0.0/16"] },
        "dbplace:databases": { shop: database },
    },
    gcp: {
        "gcp:project": "acme-test",
        "gcp:region": "europe-west1",
        "dbplace:cloud": "gcp",
        "dbplace:network": { allowedCidrs: ["10.30.8.0/24"] },
        "dbplace:databases": { shop: database },
    },
} as const;

export interface MysqlWorld {
    cloud: "aws" | "gcp";
    run: MockRun;
    script: string;
    vm: Vm;
    network: string;
    clientIp: string;
    /** An address of the VM's network outside the allow-list (GCP; on AWS the whole VPC is admitted, the security group filters). */
    outsiderIp?: string;
    db: string;
    app: { user: string; password: string };
    /** The dump directory under the run's bucket directory. */
    dumpDir: string;
    secondBoot: RegExp;
}

const PASSWORDS = { app: "app-Secret-1", replication: "repl-Secret-2", monitor: "mon-Secret-3" };

function single<T>(list: T[], what: string): T {
    if (list.length !== 1) throw new Error(`expected one ${what}, found ${list.length}`);
    return list[0];
}

export async function awsMysql(lab: Lab): Promise<MysqlWorld> {
    const run = await runProgram({ stack: "vm-test", config: MYSQL_STACKS.aws });
    const instance = single(run.resources.filter((r) => r.custom && r.type === "aws:ec2/instance:Instance"), "instance");
    const volumeId: string = single(run.resources.filter((r) => r.custom && r.type === "aws:ec2/volumeAttachment:VolumeAttachment" && r.inputs.instanceId === `${instance.name}-id`), "data volume").inputs.volumeId;
    const script: string = instance.inputs.userData;
    // The stack's allowedCidrs as the docker network (the VPC's own range is the Postgres test's network in the same run).
    const network = lab.network("aws-mysql", "10.100.0.0/16");
    const ip = "10.100.1.10";
    const vm = await lab.boot(network, {
        name: "aws-mysql", ip, cloud: "aws",
        disk: { device: "nvme1n1", byId: `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}` },
        metadata: {
            "/latest/meta-data/placement/region": "eu-west-1",
            "/latest/meta-data/local-ipv4": ip,
            "/latest/meta-data/instance-id": "i-0323456789abcdef0",
            "/latest/user-data": script,
        },
        secrets: { [grab(script, /--secret-id '([^']+)'/, "secret")]: JSON.stringify({ username: "dbadmin", password: PASSWORDS.app, replicationPassword: "" }) },
    });
    return {
        cloud: "aws", run, script, vm, network, clientIp: "10.100.8.50", db: "shop",
        app: { user: grab(script, /CREATE USER IF NOT EXISTS '(\w+)'@/, "application user"), password: PASSWORDS.app },
        dumpDir: grab(script, /"s3:\/\/([^"$]+)\/\$\(basename/, "dump target"), secondBoot: /^boot 2 skipped$/,
    };
}

export async function gcpMysql(lab: Lab): Promise<MysqlWorld> {
    const run = await runProgram({ stack: "vm-test", config: MYSQL_STACKS.gcp });
    const instance = single(run.resources.filter((r) => r.custom && r.type === "gcp:compute/instance:Instance"), "instance");
    const script: string = instance.inputs.metadata["startup-script"];
    // A range of its own: the subnet the program creates (10.20.0.0/20) is the Postgres test's network in the same run.
    const network = lab.network("gcp-mysql", "10.30.0.0/16");
    const ip = "10.30.15.30";
    const vm = await lab.boot(network, {
        name: "gcp-mysql", ip, cloud: "gcp",
        disk: { device: "sdb", byId: `google-${instance.inputs.attachedDisks[0].deviceName}` },
        metadata: {
            "/computeMetadata/v1/instance/network-interfaces/0/ip": ip,
            "/computeMetadata/v1/instance/attributes/startup-script": script,
            "/computeMetadata/v1/project/project-id": "acme-test",
        },
        secrets: { [grab(script, /--secret="([^"]+)"/, "secret")]: JSON.stringify({ admin: PASSWORDS.app, replication: PASSWORDS.replication, monitor: PASSWORDS.monitor }) },
    });
    return {
        cloud: "gcp", run, script, vm, network, clientIp: "10.30.8.50", outsiderIp: "10.30.9.50", db: "shop",
        app: { user: "dbadmin", password: PASSWORDS.app },
        dumpDir: `${grab(script, /cp - "gs:\/\/([^"$]+)\/shop\/\$ts/, "dump target")}/shop`, secondBoot: /^boot 2 rc 0$/,
    };
}
