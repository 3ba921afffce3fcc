import * as pulumi from "@pulumi/pulumi";
import { resolveStackConfig } from "../../../components/config";

/**
 * A small stand-in for program.ts, used by the compare unit tests: it reads and validates config the
 * same way, then registers a handful of resources per database with the shapes the real placements use
 * (Database facade → children; docker containers on 127.0.0.1, or an RDS instance behind a security
 * group with CloudWatch alarms). No provider code runs, so the tests are fast and do not change when a
 * placement's resources do.
 */
/** CustomResource is abstract in the SDK's types; the mocks need nothing more than its constructor. */
class Fake extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super(type, name, props, opts);
    }
}

export async function fakeProgram(): Promise<Record<string, unknown>> {
    const project = pulumi.getProject();
    const stack = resolveStackConfig(pulumi.runtime.allConfig(), project, {});
    const registered: pulumi.Resource[] = [];
    const track = <T extends pulumi.Resource>(r: T): T => (registered.push(r), r);
    for (const spec of stack.databases) {
        const db = track(new pulumi.ComponentResource("dbplace:index:Database", spec.name, {}, {}));
        const parent = { parent: db };
        const stateful = { parent: db, protect: spec.deletionProtection };
        const secret = pulumi.secret(`password-of-${spec.name}`);
        if (spec.cloud === "aws") {
            track(new Fake("aws:ec2/securityGroup:SecurityGroup", `${spec.name}-sg`, {
                ingress: [{ fromPort: 5432, toPort: 5432, protocol: "tcp", cidrBlocks: spec.network.allowedCidrs }],
            }, parent));
            const primary = track(new Fake("aws:rds/instance:Instance", `${spec.name}-primary`, {
                engine: spec.engine,
                instanceClass: spec.preset.kind === "instance" ? spec.preset.instanceType : "db.t4g.small",
                allocatedStorage: spec.preset.kind === "instance" ? spec.preset.storageGb : 20,
                storageType: "gp3",
                multiAz: spec.highAvailability,
                backupRetentionPeriod: spec.backupRetentionDays,
                deletionProtection: spec.deletionProtection,
                password: secret,
                identifier: `${pulumi.getStack()}-${spec.name}`,
            }, stateful));
            for (let i = 0; i < (spec.replicas.kind === "streaming" ? spec.replicas.count : 0); i++) {
                track(new Fake("aws:rds/instance:Instance", `${spec.name}-replica-${i}`, {
                    engine: spec.engine,
                    instanceClass: spec.preset.kind === "instance" ? spec.preset.instanceType : "db.t4g.small",
                    replicateSourceDb: primary.id,
                }, parent));
            }
            for (const metric of ["CPUUtilization", "FreeStorageSpace"]) {
                track(new Fake("aws:cloudwatch/metricAlarm:MetricAlarm", `${spec.name}-${metric.toLowerCase()}`, { metricName: metric, threshold: 80 }, parent));
            }
        } else {
            track(new Fake("docker:index/network:Network", `${spec.name}-net`, { name: `${pulumi.getStack()}-${spec.name}` }, parent));
            track(new Fake("docker:index/volume:Volume", `${spec.name}-data`, { name: `${pulumi.getStack()}-${spec.name}-data` }, stateful));
            track(new Fake("docker:index/container:Container", `${spec.name}-master`, {
                image: spec.image,
                envs: [pulumi.secret(pulumi.interpolate`POSTGRES_PASSWORD=${secret}`), `POSTGRES_DB=${spec.databaseName}`],
                ports: [{ internal: 5432, ip: "127.0.0.1" }],
            }, parent));
            if (spec.replicas.kind !== "none") {
                const replicas = track(new pulumi.ComponentResource("dbplace:docker:Replicas", `${spec.name}-${spec.replicas.kind}`, {}, parent));
                for (let i = 0; i < spec.replicas.count; i++) {
                    track(new Fake("docker:index/container:Container", `${spec.name}-${spec.replicas.kind}-${i}`, { image: spec.image, ports: [{ internal: 5432, ip: "127.0.0.1" }] }, { parent: replicas }));
                }
            }
        }
    }
    // Like the real program, hand back outputs that depend on every resource so the run waits for them all.
    return { urns: registered.map((r) => r.urn) };
}
