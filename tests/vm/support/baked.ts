import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bake, scramVerifier } from "../../../components/bake";
import { serverTls } from "../../../components/tls";
import { MockRun, runProgram } from "../../../lib/mock-runner";
import { Lab, Vm, sh } from "./lab";
import { grab } from "./scripts";

/**
 * A baked-replica host booted from the program's own boot script: the program runs under the mock
 * runner with one RDS / Cloud SQL database whose baked replicas run on VMs (no cluster), the script and
 * the certificate's secret value are read back from the recorded inputs, an image is baked from the
 * seed dump with the reader password the contract hands out, pushed to a registry of the run that
 * answers, over TLS, under the cloud registry's own host name, and a VM boots from the script.
 */
export interface BakedHost {
    cloud: "aws" | "gcp";
    run: MockRun;
    vm: Vm;
    network: string;
    clientIp: string;
    /** What the contract says: the read name, the CA, the reader's credentials. */
    readHost: string;
    caCert: string;
    reader: { user: string; password: string; database: string };
    /** The script as the cloud gets it, and what a second boot must show. */
    script: string;
    secondBoot: RegExp;
}

const SEED_DUMP = path.resolve(__dirname, "../../../stacks/seed/app.dump");
const BASE_IMAGE = process.env.DBPLACE_BASE_IMAGE ?? "dbplace/postgres:15";
const TOOLS = process.env.DBPLACE_TOOLS_CACHE ?? path.join(os.homedir(), ".cache", "dbplace-tools");
const REPO = path.resolve(__dirname, "../../..");

const CLOUDS = {
    aws: {
        registry: "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        // Baked beforehand into a repository of its own: the stack's repository starts empty (aws/preflight.ts).
        repository: "dbplace/prebaked/app",
        subnet: "10.43.0.0/16", ips: { vm: "10.43.1.10", registry: "10.43.0.100", client: "10.43.8.50" },
        config: { "aws:region": "eu-west-1", "dbplace:cloud": "aws" },
    },
    gcp: {
        registry: "europe-west1-docker.pkg.dev",
        repository: "acme-test/dbplace/app-baked",
        subnet: "10.21.0.0/20", ips: { vm: "10.21.1.10", registry: "10.21.0.100", client: "10.21.8.50" },
        config: { "gcp:project": "acme-test", "gcp:region": "europe-west1", "dbplace:cloud": "gcp" },
    },
} as const;

/** The registry binary `npm run registry` serves (tools/toolchain builds it from Go modules when missing). */
function registryBinary(): string {
    const bin = path.join(TOOLS, "bin", "registry");
    if (!fs.existsSync(bin)) {
        const r = spawnSync(path.join(REPO, "tools/toolchain/build.sh"), ["--only", "registry"], { stdio: "inherit" });
        if (r.status !== 0 || !fs.existsSync(bin)) throw new Error("the registry could not be built (tools/toolchain/build.sh --only registry)");
    }
    return bin;
}

/** Pushes `image` as `<repository>:v1` into a registry storage directory, through a registry on 127.0.0.1 (plain HTTP on loopback). */
async function pushToStorage(binary: string, storage: string, image: string, repository: string): Promise<void> {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const config = path.join(storage, "..", `push-${port}.yml`);
    fs.mkdirSync(storage, { recursive: true });
    fs.writeFileSync(config, `version: 0.1\nlog: {level: warn}\nstorage: {filesystem: {rootdirectory: ${storage}}}\nhttp: {addr: "127.0.0.1:${port}"}\n`);
    const server = spawn(binary, ["serve", config], { stdio: "ignore" });
    try {
        for (let i = 0; ; i++) {
            if (sh("curl", ["-fsS", "-o", "/dev/null", `http://127.0.0.1:${port}/v2/`], { allowFail: true }).code === 0) break;
            if (i > 100) throw new Error(`the push registry did not answer on 127.0.0.1:${port}`);
            await new Promise((r) => setTimeout(r, 100));
        }
        const local = `127.0.0.1:${port}/${repository}:v1`;
        sh("docker", ["tag", image, local]);
        sh("docker", ["push", local]);
        sh("docker", ["image", "rm", local], { allowFail: true });
    } finally {
        server.kill();
    }
}

/** The program under the mock runner (one run at a time: the runner's mocks are process-wide). */
export function bakedProgram(cloud: "aws" | "gcp"): Promise<MockRun> {
    const c = CLOUDS[cloud];
    const image = `${c.registry}/${c.repository}:v1`;
    return runProgram({
        stack: "vm-test",
        config: {
            ...c.config,
            "dbplace:network": { allowedCidrs: [c.subnet] },
            "dbplace:databases": { app: { placement: "managed", deletionProtection: false, replicas: { kind: "baked", count: 1, image } } },
        },
    });
}

/** Bakes and pushes the image, starts the registry and boots the VM from the run's script. */
export async function bakedHost(lab: Lab, cloud: "aws" | "gcp", run: MockRun): Promise<BakedHost> {
    const c = CLOUDS[cloud];
    const contract = run.outputs.databases.app;
    const url = new URL(contract.readConnectionSecret);
    const reader = { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password), database: url.pathname.slice(1) };
    const custom = (type: string) => run.resources.filter((r) => r.type === type && r.custom);
    let script: string;
    let secretName: string;
    let secretValue: string;
    if (cloud === "aws") {
        script = Buffer.from(custom("aws:ec2/launchTemplate:LaunchTemplate")[0].inputs.userData, "base64").toString();
        secretName = grab(script, /--secret-id '([^']+)'/, "certificate secret");
        secretValue = custom("aws:secretsmanager/secretVersion:SecretVersion").find((r) => r.name.endsWith("-group-tls"))!.inputs.secretString;
    } else {
        script = custom("gcp:compute/instanceTemplate:InstanceTemplate")[0].inputs.metadata["startup-script"];
        secretName = grab(script, /--secret="([^"]+)"/, "certificate secret");
        secretValue = custom("gcp:secretmanager/secretVersion:SecretVersion").find((r) => r.name.endsWith("-baked-tls-v"))!.inputs.secretData;
    }

    // The image the cloud's registry would hold: the seed dump baked with the contract's reader password.
    const baked = await bake({
        engine: "postgres", majorVersion: "15", dump: SEED_DUMP, baseImage: BASE_IMAGE, database: reader.database,
        image: `dbplace-vm-test/${cloud}-baked`, cacheDir: path.join(lab.root, `bake-cache-${cloud}`),
        readerVerifier: scramVerifier(reader.password), extraLabels: { "dbplace.vm-test": lab.id },
    });
    const binary = registryBinary();
    const storage = path.join(lab.root, `registry-${cloud}`);
    try {
        await pushToStorage(binary, storage, baked.image, c.repository);
    } finally {
        sh("docker", ["image", "rm", baked.image], { allowFail: true });
    }

    const network = lab.network(`${cloud}-baked`, c.subnet);
    const seed = () => randomBytes(32).toString("hex");
    const registryTls = serverTls(seed(), "vm-test registry CA", seed(), c.registry, [c.registry]);
    lab.registry(network, c.ips.registry, binary, storage, { cert: registryTls.certPem, key: registryTls.keyPem });
    const vm = await lab.boot(network, {
        name: `${cloud}-baked`, ip: c.ips.vm, cloud,
        metadata: cloud === "aws" ? {
            "/latest/meta-data/placement/region": "eu-west-1",
            "/latest/meta-data/local-ipv4": c.ips.vm,
            "/latest/meta-data/instance-id": "i-0b4ced0000000001",
            "/latest/user-data": script,
        } : {
            "/computeMetadata/v1/instance/attributes/startup-script": script,
            "/computeMetadata/v1/project/project-id": "acme-test",
            "/computeMetadata/v1/instance/network-interfaces/0/ip": c.ips.vm,
            "/computeMetadata/v1/instance/service-accounts/default/token": JSON.stringify({ access_token: "fake-vm-token", expires_in: 3599, token_type: "Bearer" }),
        },
        secrets: { [secretName]: secretValue },
        hosts: { [c.registry]: c.ips.registry },
        docker: { registryCas: { [c.registry]: registryTls.caCertPem } },
    });
    return {
        cloud, run, vm, network, clientIp: c.ips.client,
        readHost: contract.readHost, caCert: contract.caCert, reader, script,
        secondBoot: cloud === "aws" ? /^boot 2 skipped$/ : /^boot 2 rc 0$/,
    };
}
