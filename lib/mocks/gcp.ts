import { hashNumber, InvokeHook, StateHook } from "./state";

/**
 * Google Cloud: what the provider computes after create, and answers to the data sources the GCP
 * components call (zones, images, project, client config). Names follow Pulumi's auto-naming loosely
 * (the logical name) so tests can read them back; addresses are private and derived from the name.
 */
const MOCK_PROJECT = "mock-project";
const project = (inputs: Record<string, any>) => String(inputs.project ?? MOCK_PROJECT);
const nameOf = (name: string, inputs: Record<string, any>) => String(inputs.name ?? name);
/** 10.20.x.y inside the default subnet for VM-side addresses; 10.99.x.y for Cloud SQL (the PSA range). */
const ip = (prefix: string, key: string) => `${prefix}.${1 + hashNumber(`${key}:a`, 250)}.${2 + hashNumber(`${key}:b`, 250)}`;
/** An address inside the default subnet (10.20.0.0/20), as GCE reserves it: what pg_hba and the standbys see. */
const subnetIp = (key: string) => `10.20.${hashNumber(`${key}:a`, 16)}.${2 + hashNumber(`${key}:b`, 250)}`;

export const GCP_STATE: Record<string, StateHook> = {
    "gcp:compute/network:Network": ({ name, inputs }) => {
        const id = `projects/${project(inputs)}/global/networks/${nameOf(name, inputs)}`;
        return { name: nameOf(name, inputs), selfLink: `https://www.googleapis.com/compute/v1/${id}`, id };
    },
    "gcp:compute/subnetwork:Subnetwork": ({ name, inputs }) => {
        const id = `projects/${project(inputs)}/regions/${inputs.region}/subnetworks/${nameOf(name, inputs)}`;
        return { name: nameOf(name, inputs), selfLink: `https://www.googleapis.com/compute/v1/${id}`, id, gatewayAddress: "10.20.0.1" };
    },
    "gcp:compute/globalAddress:GlobalAddress": ({ name, inputs }) => ({ name: nameOf(name, inputs), address: "10.99.0.0" }),
    "gcp:compute/address:Address": ({ name, inputs }) => ({ name: nameOf(name, inputs), address: inputs.address ?? subnetIp(name) }),
    "gcp:compute/disk:Disk": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:compute/resourcePolicy:ResourcePolicy": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:compute/instance:Instance": ({ name, inputs }) => ({
        name: nameOf(name, inputs),
        instanceId: String(1e12 + hashNumber(name, 1e9)),
        selfLink: `https://www.googleapis.com/compute/v1/projects/${project(inputs)}/zones/${inputs.zone}/instances/${nameOf(name, inputs)}`,
    }),
    "gcp:compute/instanceTemplate:InstanceTemplate": ({ name, inputs }) => ({
        name: nameOf(name, inputs),
        selfLinkUnique: `https://www.googleapis.com/compute/v1/projects/${project(inputs)}/global/instanceTemplates/${name}?uniqueId=${hashNumber(name, 1e9)}`,
    }),
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": ({ name, inputs }) => ({
        name: nameOf(name, inputs),
        instanceGroup: `https://www.googleapis.com/compute/v1/projects/${project(inputs)}/regions/${inputs.region}/instanceGroups/${name}`,
    }),
    "gcp:compute/forwardingRule:ForwardingRule": ({ name, inputs }) => ({ name: nameOf(name, inputs), ipAddress: subnetIp(name) }),
    "gcp:compute/router:Router": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:sql/databaseInstance:DatabaseInstance": ({ name, inputs }) => ({
        name: nameOf(name, inputs),
        privateIpAddress: ip("10.99", name),
        connectionName: `${project(inputs)}:${inputs.region}:${nameOf(name, inputs)}`,
        publicIpAddress: "",
    }),
    "gcp:sql/database:Database": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:sql/user:User": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:serviceaccount/account:Account": ({ inputs }) => ({
        email: `${inputs.accountId}@${project(inputs)}.iam.gserviceaccount.com`,
        name: `projects/${project(inputs)}/serviceAccounts/${inputs.accountId}@${project(inputs)}.iam.gserviceaccount.com`,
    }),
    "gcp:secretmanager/secret:Secret": ({ inputs }) => ({ name: `projects/${project(inputs)}/secrets/${inputs.secretId}` }),
    "gcp:storage/bucket:Bucket": ({ name, inputs }) => ({ name: nameOf(name, inputs), url: `gs://${nameOf(name, inputs)}` }),
    "gcp:artifactregistry/repository:Repository": ({ name, inputs }) => ({
        name: String(inputs.repositoryId ?? name),
        repositoryId: String(inputs.repositoryId ?? name),
    }),
    "gcp:container/cluster:Cluster": ({ name, inputs }) => ({
        name: nameOf(name, inputs),
        endpoint: ip("172.16", name),
        masterAuth: { clusterCaCertificate: Buffer.from(`mock CA of ${name}`).toString("base64") },
    }),
    "gcp:container/nodePool:NodePool": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:dns/managedZone:ManagedZone": ({ name, inputs }) => ({ name: nameOf(name, inputs) }),
    "gcp:monitoring/notificationChannel:NotificationChannel": ({ name, inputs }) => ({ name: `projects/${project(inputs)}/notificationChannels/${hashNumber(name, 1e9)}` }),
    "gcp:monitoring/alertPolicy:AlertPolicy": ({ name, inputs }) => ({ name: `projects/${project(inputs)}/alertPolicies/${hashNumber(name, 1e9)}` }),
};

export const GCP_INVOKES: Record<string, InvokeHook> = {
    "gcp:compute/getZones:getZones": ({ inputs }) => {
        const region = String(inputs.region ?? "europe-west1");
        // us-central1 has four zones, listed out of order: what position-based and surge logic must cope with.
        const zones = region === "us-central1" ? ["f", "a", "c", "b"] : ["b", "c", "d"];
        return { names: zones.map((z) => `${region}-${z}`), region, project: inputs.project ?? MOCK_PROJECT, id: region };
    },
    "gcp:compute/getImage:getImage": ({ inputs }) => {
        const name = `${inputs.family ?? inputs.name}-v20261101`;
        return { name, family: inputs.family, project: inputs.project, selfLink: `https://www.googleapis.com/compute/v1/projects/${inputs.project}/global/images/${name}`, id: name };
    },
    "gcp:organizations/getProject:getProject": ({ inputs }) => ({
        projectId: inputs.projectId ?? MOCK_PROJECT,
        number: String(100000000000 + hashNumber(String(inputs.projectId ?? MOCK_PROJECT), 1e9)),
        id: `projects/${inputs.projectId ?? MOCK_PROJECT}`,
    }),
    "gcp:organizations/getClientConfig:getClientConfig": () => ({
        project: MOCK_PROJECT,
        region: "europe-west1",
        zone: "europe-west1-b",
        accessToken: "ya29.mock-access-token",
        id: "mock-client",
    }),
};
