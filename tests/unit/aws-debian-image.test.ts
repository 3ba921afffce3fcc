import * as assert from "node:assert/strict";
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

    it("installs the AWS CLI and the CloudWatch agent the Debian way (no snap on Debian)", () => {
        for (const script of [vmScript({ ...base, engine: "postgres" }), replicaUserData({ image: "nginx:1", database: "app", stack: "s" })]) {
            assert.doesNotMatch(script, /\bsnap\b/);
            assert.match(script, /apt-get install -y -q [^\n]*\bawscli\b/);
        }
        assert.match(vmScript({ ...base, engine: "postgres" }), /amazoncloudwatch-agent\.s3\.amazonaws\.com\/debian\//);
    });

    it("keeps MySQL VMs on Ubuntu 24.04, whose archive ships mysql-server-8.0 (Debian 12 has none)", () => {
        const script = vmScript({ ...base, engine: "mysql", version: "8.0" });
        assert.match(script, /snap install aws-cli --classic/);
        assert.match(script, /amazoncloudwatch-agent\.s3\.amazonaws\.com\/ubuntu\//);
    });
});
