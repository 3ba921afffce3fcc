import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AwsManagedDatabase, AwsNetwork, AwsVmDatabase } from "../../components/aws";
import { resolveStack } from "../../components/config";
import { MOCK_VPC } from "../../lib/mocks/aws";
import { runProgram } from "../../lib/mock-runner";
import { inventory, ofType, one } from "../helpers/resources";
import { AWS, drained, names, runAws } from "./aws-harness";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";
const NAT = "aws:ec2/natGateway:NatGateway";

describe("aws network", () => {
    it("gives an RDS-only stack private subnets in two looked-up zones and no way to the internet", async () => {
        const run = await runAws({ placement: "managed" });
        const vpc = one(run, "aws:ec2/vpc:Vpc", "network-vpc").inputs;
        assert.deepEqual([vpc.cidrBlock, vpc.enableDnsHostnames, vpc.enableDnsSupport], ["10.42.0.0/16", true, true]);
        const subnets = ofType(run, SUBNET);
        assert.deepEqual(subnets.map((s) => [s.name, s.inputs.availabilityZone, s.inputs.cidrBlock, s.inputs.mapPublicIpOnLaunch]), [
            ["network-private-0", "eu-west-1a", "10.42.0.0/19", false],
            ["network-private-1", "eu-west-1b", "10.42.32.0/19", false],
        ]);
        const got = inventory(run);
        for (const type of ["aws:ec2/internetGateway:InternetGateway", NAT, ROUTE, "aws:ec2/eip:Eip", "aws:ec2/vpcEndpoint:VpcEndpoint"]) assert.equal(got[type], undefined, type);
        for (const table of ofType(run, "aws:ec2/routeTable:RouteTable")) assert.equal(table.inputs.routes, undefined, table.name);
        const defaultSg = one(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg").inputs;
        assert.deepEqual([defaultSg.ingress, defaultSg.egress], [undefined, undefined], "the default group is emptied");
    });

    const egress: [string, Record<string, unknown>, string[], string[]][] = [
        ["one NAT for a single VM", { placement: "vm" }, ["network-nat-0"], ["network-nat-0-id", "network-nat-0-id"]],
        ["one NAT per zone for an HA VM", { placement: "vm", highAvailability: true }, ["network-nat-0", "network-nat-1"], ["network-nat-0-id", "network-nat-1-id"]],
        // The stack is sized as a whole: an RDS database first does not leave the VM after it without egress.
        ["the widest need of every database sharing the network", { placement: "managed", databases: { a: {}, b: { placement: "vm", highAvailability: true } } }, ["network-nat-0", "network-nat-1"], ["network-nat-0-id", "network-nat-1-id"]],
    ];
    for (const [title, config, nats, targets] of egress) {
        it(`routes private egress through ${title}, never through the internet gateway`, async () => {
            const run = await runAws({ deletionProtection: false, ...config });
            assert.deepEqual(names(run, NAT), nats);
            const routes = ofType(run, ROUTE);
            assert.deepEqual(routes.map((r) => [r.name, r.inputs.destinationCidrBlock, r.inputs.natGatewayId, r.inputs.gatewayId]), targets.map((t, i) => [`network-private-${i}-egress`, "0.0.0.0/0", t, undefined]));
            // Only the NAT subnets' table knows the internet gateway.
            const tables = ofType(run, "aws:ec2/routeTable:RouteTable").filter((t) => t.inputs.routes);
            assert.deepEqual(tables.map((t) => [t.name, t.inputs.routes[0].gatewayId]), [["network-public", "network-igw-id"]]);
            assert.ok(ofType(run, SUBNET).every((s) => s.inputs.mapPublicIpOnLaunch === false));
            const s3 = one(run, "aws:ec2/vpcEndpoint:VpcEndpoint", "network-s3").inputs;
            assert.deepEqual([s3.serviceName, s3.vpcEndpointType, s3.routeTableIds], ["com.amazonaws.eu-west-1.s3", "Gateway", ["network-private-0-id", "network-private-1-id"]]);
        });
    }

    it("sizes the shared network from the stack's config when no pre-flight ran (program.ts as is)", async () => {
        const { program } = await import("../../program");
        const config = { ...AWS, placement: "managed", deletionProtection: false, databases: { a: {}, b: { placement: "vm", highAvailability: true } } };
        const run = await runProgram({ stack: "no-preflight", config, program: drained(program) });
        assert.deepEqual(names(run, NAT), ["network-nat-0", "network-nat-1"]);
    });

    it("shares one VPC between the stack's databases, each with its own security groups", async () => {
        const run = await runAws({ placement: "managed", deletionProtection: false, databases: { orders: {}, billing: { engine: "mysql" } } });
        assert.deepEqual(names(run, "aws:ec2/vpc:Vpc"), ["network-vpc"]);
        assert.deepEqual(names(run, "aws:ec2/securityGroup:SecurityGroup"), ["billing-db", "billing-db-clients", "orders-db", "orders-db-clients"]);
        const ports = ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => [r.name, r.inputs.fromPort]);
        assert.deepEqual(ports.sort(), [["billing-db-from-clients", 3306], ["orders-db-from-clients", 5432]]);
        assert.ok(ofType(run, "aws:ec2/securityGroup:SecurityGroup").every((sg) => sg.inputs.vpcId === "network-vpc-id"));
    });

    it("reuses an existing VPC and subnets without creating network resources", async () => {
        const subnets = ["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b2b2b2b2b2b2b2b2"];
        const run = await runAws({ placement: "vm", network: { existingNetworkId: MOCK_VPC, existingSubnetIds: subnets } });
        const got = inventory(run);
        for (const type of ["aws:ec2/vpc:Vpc", SUBNET, "aws:ec2/routeTable:RouteTable", NAT, "aws:ec2/vpcEndpoint:VpcEndpoint"]) assert.equal(got[type], undefined, type);
        assert.deepEqual(got["dbplace:aws:Network"], [`network-${MOCK_VPC}`]);
        assert.equal(one(run, "aws:ec2/securityGroup:SecurityGroup", "app-db").inputs.vpcId, MOCK_VPC);
        assert.equal(one(run, "aws:ec2/instance:Instance", "app-primary-instance").inputs.subnetId, subnets[0]);
        assert.equal(one(run, "aws:ebs/volume:Volume", "app-primary-data").inputs.availabilityZone, "eu-west-1a");
        // pg_hba admits the reused VPC's range (looked up), not a made-up one.
        assert.match(String(one(run, "aws:ec2/instance:Instance", "app-primary-instance").inputs.userData), /hostssl app\s+all\s+10\.10\.0\.0\/16/);
    });

    it("refuses, as a library, a VM in a created network without egress", async () => {
        const [spec] = resolveStack({ cloud: "aws", placement: "vm" }, "dbplace", { config: { "aws:region": "eu-west-1" } }).databases;
        const program = async () => {
            new AwsVmDatabase("app", { spec, network: new AwsNetwork("net", { egress: "none" }) });
        };
        await assert.rejects(runProgram({ stack: "lib", config: AWS, program: drained(program) }), /placement "vm" needs a network with NAT egress/);
    });

    it("lets a library caller bring its own network", async () => {
        const [spec] = resolveStack({ cloud: "aws", placement: "managed" }, "dbplace", { config: { "aws:region": "eu-west-1" } }).databases;
        const program = async () => {
            const network = new AwsNetwork("shared", { existingVpcId: MOCK_VPC, existingSubnetIds: ["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b2b2b2b2b2b2b2b2"] });
            const db = new AwsManagedDatabase("lib", { spec, network });
            return { host: db.host, secret: pulumi.output(pulumi.isSecret(db.connectionSecret)) };
        };
        const run = await runProgram({ stack: "lib", config: AWS, program: drained(program) });
        assert.deepEqual(one(run, "aws:rds/subnetGroup:SubnetGroup", "lib-subnets").inputs.subnetIds, ["subnet-0a1a1a1a1a1a1a1a1", "subnet-0b2b2b2b2b2b2b2b2"]);
        assert.equal(run.outputs.secret, true);
        assert.match(run.outputs.host, /^lib-primary\./);
    });
});
