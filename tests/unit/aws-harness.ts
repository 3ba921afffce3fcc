import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { ContractValues, contractOutputs } from "../../components/contract";
import { Database } from "../../components/database";
import { assertImplemented, preflight } from "../../components/placements";
import { preflightBakes } from "../../components/replicas/preflight";
import { StackInfrastructure } from "../../components/shared";
import { readStackConfig } from "../../config";
import { MockRun, RecordedResource, runProgram } from "../../lib/mock-runner";
import { ofType } from "../helpers/resources";

/** Shared by the tests/unit/aws-*.test.ts files: the AWS stack config every test starts from. */
export const AWS = { "aws:region": "eu-west-1", cloud: "aws" } as const;

/** Databases built by the last run, for assertions on Output secrecy that the recorded inputs cannot show. */
export const built: Record<string, Database> = {};

/**
 * program.ts plus the AWS pre-flight (components/placements.ts `preflight`), which the program awaits
 * once wired; drained so every registration lands in this run, not the next.
 */
export async function awsProgram(): Promise<{ databases: pulumi.Output<Record<string, ContractValues>> }> {
    const stack = readStackConfig();
    assertImplemented(stack.databases);
    preflightBakes(stack.databases, pulumi.getProject());
    await preflight(stack.databases);
    const shared = new StackInfrastructure(stack.databases);
    const databases: Record<string, pulumi.Output<ContractValues>> = {};
    for (const spec of stack.databases) {
        built[spec.name] = new Database(spec.name, { spec, shared });
        databases[spec.name] = contractOutputs(built[spec.name]);
    }
    return { databases: pulumi.output(databases) };
}

export function drained<T>(program: () => Promise<T>): () => Promise<T> {
    const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs?: () => Promise<void> };
    return async () => {
        const out = await program();
        if (waitForRPCs) await waitForRPCs();
        return out;
    };
}

export function runAws(config: Record<string, unknown>, stack = "aws-test"): Promise<MockRun> {
    return runProgram({ stack, config: { ...AWS, ...config }, program: drained(awsProgram) as () => Promise<Record<string, unknown>> });
}

/** Resources of a type whose logical name starts with `prefix`, by name. */
export function named(run: MockRun, type: string, prefix = ""): Record<string, RecordedResource> {
    return Object.fromEntries(ofType(run, type).filter((r) => r.name.startsWith(prefix)).map((r) => [r.name, r]));
}

/** Sorted logical names of a type (optionally under a name prefix). */
export function names(run: MockRun, type: string, prefix = ""): string[] {
    return Object.keys(named(run, type, prefix)).sort();
}

/** Every ingress rule of the run: none may open a database port to the world. */
export function assertNoWorldIngress(run: MockRun): void {
    for (const rule of ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")) {
        assert.ok(rule.inputs.cidrIpv4 !== "0.0.0.0/0" && rule.inputs.cidrIpv6 !== "::/0", `${rule.name} admits the internet`);
    }
    for (const sg of ofType(run, "aws:ec2/securityGroup:SecurityGroup")) {
        assert.equal(sg.inputs.ingress, undefined, `${sg.name} has inline ingress rules`);
    }
}

/** Alarm suffixes under a prefix, e.g. app-primary → [connections, cpu, …]. */
export function alarms(run: MockRun, prefix: string): Record<string, RecordedResource> {
    const all = named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", `${prefix}-`);
    return Object.fromEntries(Object.entries(all).map(([n, r]) => [n.slice(prefix.length + 1), r]));
}
