import * as assert from "node:assert/strict";
import { MOCK_VPC, MOCK_VPC_SECONDARY_CIDRS, MOCK_VPCS_WITHOUT_S3_ENDPOINT } from "../../lib/mocks/aws";
import { expectConfigError, one } from "../helpers/resources";
import { runAws } from "./aws-harness";

/** Defects a real `pulumi up` (or destroy) would hit on AWS, each pinned by the input that fixes it. */
const EC2 = "aws:ec2/instance:Instance";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const A = "subnet-0a1a1a1a1a1a1a1a1";
const B = "subnet-0b2b2b2b2b2b2b2b2";
const reused = { existingNetworkId: MOCK_VPC, existingSubnetIds: [A, B] };
const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/dbplace/bakes/catalog:20261101T0300Z";

describe("aws defects: what a real deploy would get wrong", () => {
    it("tags the root volume on its device, never with volumeTags (which would strip the data volume's snapshot tag)", async () => {
        const run = await runAws({ placement: "vm" });
        const instance = one(run, EC2, "app-primary-instance").inputs;
        assert.equal(instance.volumeTags, undefined);
        assert.equal(instance.rootBlockDevice.tags["dbplace:role"], "primary-root");
        const volume = one(run, "aws:ebs/volume:Volume", "app-primary-data").inputs;
        assert.ok(volume.tags["dbplace:snapshot"], "the DLM policy selects data volumes by this tag");
    });

    for (const protect of [true, false]) {
        it(`lets an ${protect ? "protected" : "unprotected"} stack's dump bucket and ECR repository be destroyed only when unprotected`, async () => {
            const run = await runAws({ placement: "vm", deletionProtection: protect, replicas: { kind: "baked", image } });
            assert.equal(one(run, "aws:s3/bucket:Bucket", "app-backups-dumps").inputs.forceDestroy, !protect);
            assert.equal(one(run, "aws:ecr/repository:Repository", "app-baked-repo").inputs.forceDelete, !protect);
        });
    }

    it("gives the db-clients group egress to the baked replicas' load balancer", async () => {
        const run = await runAws({ placement: "managed", replicas: { kind: "baked", image } });
        const rule = one(run, EGRESS, "app-baked-group-db-clients-to-lb").inputs;
        assert.deepEqual([rule.securityGroupId, rule.referencedSecurityGroupId, rule.fromPort, rule.toPort, rule.ipProtocol], ["app-db-clients-id", "app-baked-group-lb-id", 5432, 5432, "tcp"]);
    });

    it("lets replica instances pull replicas.image from the ECR repository it names, not only the stack's own", async () => {
        const run = await runAws({ placement: "managed", replicas: { kind: "baked", image } });
        const policy = JSON.parse(one(run, "aws:iam/rolePolicy:RolePolicy", "app-baked-group-instance-inline").inputs.policy);
        const pull = policy.Statement.find((s: { Sid: string }) => s.Sid === "PullBakedImage");
        assert.ok(pull.Resource.includes("arn:aws:ecr:eu-west-1:123456789012:repository/dbplace/bakes/catalog"), JSON.stringify(pull.Resource));
    });

    it("enrols RDS in paid Extended Support only when aws.extendedSupport says so", async () => {
        const run = await runAws({ placement: "managed", engineVersion: "13", aws: { extendedSupport: true } });
        assert.equal(one(run, "aws:rds/instance:Instance", "app-primary").inputs.engineLifecycleSupport, "open-source-rds-extended-support");
    });

    it("admits every IPv4 range of a reused VPC in pg_hba, not only its primary CIDR", async () => {
        MOCK_VPC_SECONDARY_CIDRS[MOCK_VPC] = ["100.64.0.0/16"];
        try {
            const run = await runAws({ placement: "vm", highAvailability: true, network: reused });
            const script = String(one(run, EC2, "app-primary-instance").inputs.userData);
            assert.match(script, /^hostssl app\s+all\s+10\.10\.0\.0\/16\s+scram-sha-256$/m);
            assert.match(script, /^hostssl app\s+all\s+100\.64\.0\.0\/16\s+scram-sha-256$/m);
            assert.match(script, /^hostssl replication\s+replicator\s+100\.64\.0\.0\/16\s+scram-sha-256$/m);
        } finally {
            delete MOCK_VPC_SECONDARY_CIDRS[MOCK_VPC];
        }
    });

    it("refuses baked replicas on EC2 in a reused VPC without an S3 gateway endpoint (every re-bake through the NAT)", async () => {
        MOCK_VPCS_WITHOUT_S3_ENDPOINT.add(MOCK_VPC);
        try {
            await expectConfigError(() => runAws({ placement: "managed", network: reused, replicas: { kind: "baked", image } }),
                /dbplace:network\.existingNetworkId is vpc-0e1e1e1e1e1e1e1e1, which has no S3 gateway endpoint \(com\.amazonaws\.eu-west-1\.s3\)/);
            // The same VPC is fine when nothing pulls bakes through it.
            await runAws({ placement: "managed", network: reused });
        } finally {
            MOCK_VPCS_WITHOUT_S3_ENDPOINT.delete(MOCK_VPC);
        }
    });
});
