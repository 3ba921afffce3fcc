import * as assert from "node:assert/strict";
import { rejected } from "../helpers/config";

/**
 * Schema problems and cross-key problems arrive in one ConfigError: the cross-key rules run on what
 * parsed (out-of-range numbers included, since they still compare) and stay silent about what did not.
 */
function problems(raw: unknown): string[] {
    return rejected(raw).problems;
}

const cluster = { cloud: "local", placement: "cluster" };

describe("config: every problem in one error, schema and cross-key together", () => {
    const cases: [title: string, raw: unknown, expected: RegExp[]][] = [
        ["a count out of range that also exceeds maxReplicas", { ...cluster, replicas: { kind: "baked", image: "registry.example.com/app:1", count: 1000000, maxReplicas: 2 } }, [
            /^dbplace:replicas\.count is 1000000; it must be at most 20\.$/,
            /^dbplace:replicas\.maxReplicas is 2, below replicas\.count 1000000; the autoscaler ceiling must be at least the count\.$/,
        ]],
        ["a bad type next to a cross-key problem elsewhere", { cloud: "local", placement: "docker", highAvailability: "yes", replicas: { kind: "none", count: 2 } }, [
            /^dbplace:highAvailability is "yes" \(a string\); expected boolean\.$/,
            /^dbplace:replicas\.count is 2, but replicas\.kind is "none"/,
        ]],
        ["a typo next to a placement the cloud lacks", { cloud: "local", placement: "vm", replicas: { kind: "baked", cuont: 2 } }, [
            /^dbplace:replicas\.cuont is not a known key \(did you mean "count"\?\)/,
            /^dbplace:placement is "vm", which is not available on cloud "local"/,
        ]],
        ["problems in two databases, one schema and one cross-key", { cloud: "local", databases: { a: { placement: "docker", size: "huge" }, b: { placement: "docker", highAvailability: true } } }, [
            /^dbplace:databases\.a\.size is "huge"; allowed values: small, medium, large\.$/,
            /^dbplace:databases\.b\.highAvailability is true, but placement "docker"/,
        ]],
        ["an entry with no value next to a good one with a bad allow-list", { cloud: "local", placement: "docker", databases: { orders: null, billing: { network: { allowedCidrs: ["0.0.0.0/1", "128.0.0.0/1"] } } } }, [
            /^dbplace:databases\.orders has no value/,
            /^dbplace:databases\.billing\.network\.allowedCidrs is .* for database "billing": together these ranges cover 0\.0\.0\.0\/0/,
        ]],
        // An out-of-range value does not stop the rules about other keys.
        ["a retention out of range and an unusable schedule", { cloud: "local", placement: "docker", backupRetentionDays: 40, backup: { schedule: "0 3 31 2 *" } }, [
            /^dbplace:backupRetentionDays is 40; it must be at most 35\.$/,
            /^dbplace:backup\.schedule is "0 3 31 2 \*", not a valid cron schedule/,
        ]],
    ];
    for (const [title, raw, expected] of cases) {
        it(`reports ${title}`, () => {
            const found = problems(raw);
            assert.equal(found.length, expected.length, found.join("\n"));
            expected.forEach((p, i) => assert.match(found[i], p));
        });
    }

    // What did not parse is not guessed at: no "is required" for a key whose value was refused, no rule run on a default.
    const silent: [title: string, raw: unknown, only: RegExp][] = [
        ["an unknown placement (no 'placement is required')", { cloud: "local", placement: "kubernetes" }, /^dbplace:placement is "kubernetes"; allowed values/],
        ["an unknown engine (no version check against postgres)", { cloud: "local", placement: "docker", engine: "oracle", engineVersion: "8.4" }, /^dbplace:engine is "oracle"/],
        ["an unknown replica kind (its other keys are not judged)", { ...cluster, replicas: { kind: "logical", count: 4, maxReplicas: 2 } }, /^dbplace:replicas\.kind is "logical"/],
        ["a misspelt key (no 'is required' for what it meant)", { cloud: "local", databases: { orders: { placment: "docker" } } }, /^dbplace:databases\.orders\.placment is not a known key \(did you mean "placement"\?\)/],
        ["a non-string in an allow-list (the list is not judged)", { cloud: "local", placement: "docker", network: { allowedCidrs: ["0.0.0.0/1", 128] } }, /^dbplace:network\.allowedCidrs\.1 is 128 \(a number\); expected string\.$/],
        ["the only database entry empty (no 'databases is empty')", { cloud: "local", placement: "docker", databases: { orders: null } }, /^dbplace:databases\.orders has no value/],
        ["an unknown cloud (nothing else can be judged)", { cloud: "azure", placement: "vm", replicas: { kind: "none", count: 2 } }, /^dbplace:cloud is "azure"/],
        ["a config that is a list", [1], /^dbplace: is \[1\] \(a list\); expected object\.$/],
    ];
    for (const [title, raw, only] of silent) {
        it(`says only what is known for ${title}`, () => {
            const found = problems(raw);
            assert.equal(found.length, 1, found.join("\n"));
            assert.match(found[0], only);
        });
    }
});
