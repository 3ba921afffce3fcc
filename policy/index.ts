import { PolicyPack } from "@pulumi/policy";
import { policies, stackPolicies } from "./policies";

/**
 * The policy pack entry point: `pulumi preview --policy-pack policy`. Constructing a PolicyPack starts
 * the analyzer's gRPC server, so nothing else imports this file; tests use ./policies.
 */
new PolicyPack("dbplace-guardrails", {
    description: "Guardrails for dbplace databases: no public endpoints, encryption at rest, production deletion protection and backups, declared replica staleness, preset sizes.",
    enforcementLevel: "mandatory",
    policies: [...policies, ...stackPolicies],
});
