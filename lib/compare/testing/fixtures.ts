/**
 * In-memory stacks for the compare tests: a local docker stack, an AWS stack with HA, streaming
 * replicas and alarms, and one whose config is invalid. Used with fakeProgram.
 */
export const FAKE_STACKS: Record<string, Record<string, unknown>> = {
    dev: {
        "dbplace:cloud": "local",
        "dbplace:placement": "docker",
        "dbplace:deletionProtection": false,
        "dbplace:replicas": { kind: "baked", count: 2, image: "registry.internal/app-baked:1", maxStalenessMinutes: 60 },
    },
    prod: {
        "dbplace:cloud": "aws",
        "aws:region": "us-east-1",
        "dbplace:placement": "managed",
        "dbplace:highAvailability": true,
        "dbplace:network": { allowedCidrs: ["10.0.0.0/16"] },
        "dbplace:replicas": { kind: "streaming", count: 1 },
        "dbplace:databases": { app: {}, billing: { size: "medium", replicas: { kind: "none" } } },
    },
    broken: { "dbplace:cloud": "local", "dbplace:placement": "vm" },
};

export const loadFakeConfig = (stack: string): Record<string, unknown> => {
    const config = FAKE_STACKS[stack];
    if (!config) throw new Error(`no fake stack ${stack}`);
    return config;
};
