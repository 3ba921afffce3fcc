import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { replicaUserData } from "../../components/aws/replica-user-data";
import { vmScript } from "../../components/aws/vm-cloud-init";
import { one } from "../helpers/resources";
import { runAws } from "./aws-harness";

const base = { version: "15", role: "primary", database: "app", username: "app", volumeId: "vol-0123", secretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:s", allowedCidrs: [], vpcCidrs: ["10.0.0.0/16"], maxConnections: 100 } as const;

// Postgres VMs and baked-replica hosts boot Debian 12, the OS the boot scripts are run on in `npm run test:vm`.
describe("AWS VMs boot Debian 12", () => {
    it("looks up Debian's own Debian 12 AMI for postgres VMs and baked-replica hosts", async () => {
        const run = await runAws({
            databases: { app: { placement: "vm", replicas: { kind: "baked", count: 1, image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/bakes/app:1" } } },
        });
        assert.match(one(run, "aws:ec2/instance:Instance", "app-primary-instance").inputs.ami, /^ami-0d/, "the Debian image (mock ids start ami-0d)");
        assert.match(one(run, "aws:ec2/launchTemplate:LaunchTemplate", "app-baked-group-template").inputs.imageId, /^ami-0d/);
    });

    it("installs the AWS CLI and the CloudWatch agent the way the host's distribution packages them", () => {
        const script = vmScript({ ...base, engine: "postgres" });
        const line = script.split("\n").find((l) => l.includes("awscli"));
        assert.ok(line, "a line installs the AWS CLI");
        // Run the decision on this (Debian) machine with recording stand-ins for apt-get and snap.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dbplace-awscli-"));
        try {
            for (const cmd of ["apt-get", "snap"]) fs.writeFileSync(path.join(dir, cmd), `#!/bin/sh\necho "${cmd} $*" >> ${dir}/calls\n`, { mode: 0o755 });
            const r = spawnSync("bash", ["-euc", line!], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: "utf8" });
            assert.equal(r.status, 0, r.stderr);
            assert.equal(fs.readFileSync(path.join(dir, "calls"), "utf8"), "apt-get install -y -q awscli\n", "Debian: from apt, no snap");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
        assert.match(script, /amazoncloudwatch-agent\.s3\.amazonaws\.com\/\$\(\. \/etc\/os-release && echo "\$ID"\)\//, "the agent package of the host's distribution");
        assert.doesNotMatch(replicaUserData({ image: "nginx:1", database: "app", stack: "s", tlsSecretArn: "arn:x", certificateDigest: "0" }), /\bsnap\b/);
    });

    it("keeps MySQL VMs on Ubuntu 24.04 (Debian 12 has no mysql-server), where the CLI comes from the snap", () => {
        const script = vmScript({ ...base, engine: "mysql", version: "8.0" });
        assert.match(script, /else snap install aws-cli --classic; export PATH=\$PATH:\/snap\/bin; fi/);
    });
});
