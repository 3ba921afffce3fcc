import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { checkStack, ConfigError, Database, DatabaseSpec, resolveStackConfig, StackInfrastructure, withBakedReplicaSidecar } from "dbplace";

/**
 * An application team's program on the dbplace package. Two databases whose placement the stack decides
 * (the catalog in the team's cluster, orders on the cloud's managed database), and the shop service:
 *   - reads the catalog from a baked replica inside its own pods (sidecar mode: 127.0.0.1, no network hop);
 *   - writes orders through the contract's `connectionSecret`, handed over in a Kubernetes Secret.
 * Database keys live under `dbplace:` (the platform's vocabulary), the service's own under `app-team:`.
 */
const DATABASES = "dbplace";
const SHOP_PORT = 8080;

export = async () => {
    const stack = resolveStackConfig(pulumi.runtime.allConfig(), DATABASES);
    await checkStack(stack.databases, DATABASES);
    const catalogSpec = sidecarCatalog(required(stack.databases, "catalog"));
    const ordersSpec = required(stack.databases, "orders");

    // Both databases on one network (and cluster, with cluster.create), sized from both.
    const shared = new StackInfrastructure([catalogSpec, ordersSpec]);
    const catalog = new Database("catalog", { spec: catalogSpec, shared });
    const orders = new Database("orders", { spec: ordersSpec, shared });

    const app = new pulumi.Config();
    const namespaceName = app.get("namespace") ?? "shop";
    const image = app.get("image") ?? "ghcr.io/example/shop:1.4.2";
    // The shop runs on the cluster that holds the catalog: its pods carry the catalog's baked replica.
    const provider = new k8s.Provider("shop-k8s", {
        kubeconfig: catalogSpec.cluster.kubeconfig === undefined ? undefined : pulumi.secret(catalogSpec.cluster.kubeconfig),
        context: catalogSpec.cluster.context,
    });
    const opts = { provider };
    const labels = { "app.kubernetes.io/name": "shop" };

    const namespace = new k8s.core.v1.Namespace("shop", { metadata: { name: namespaceName } }, opts);
    // Connection strings carry passwords: they stay Pulumi secrets all the way into the Secret's data.
    const secret = new k8s.core.v1.Secret("shop-db", {
        metadata: { name: "shop-db", namespace: namespace.metadata.name, labels },
        type: "Opaque",
        stringData: {
            ORDERS_URL: orders.connectionSecret,
            CATALOG_READ_URL: catalog.readConnectionSecret,
        },
    }, opts);
    const fromSecret = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: secret.metadata.name, key: name } } });

    const podSpec = withBakedReplicaSidecar({
        containers: [{
            name: "shop",
            image,
            ports: [{ name: "http", containerPort: SHOP_PORT }],
            env: [fromSecret("ORDERS_URL"), fromSecret("CATALOG_READ_URL")],
            readinessProbe: { httpGet: { path: "/healthz", port: "http" }, periodSeconds: 5 },
        }],
    }, {
        spec: catalogSpec,
        image: catalogSpec.replicas.image!,
    });

    const deployment = new k8s.apps.v1.Deployment("shop", {
        metadata: { name: "shop", namespace: namespace.metadata.name, labels },
        spec: {
            replicas: 3,
            selector: { matchLabels: labels },
            template: {
                metadata: {
                    labels,
                    // What the reads may lag behind the catalog's master; the platform's policy pack checks it.
                    annotations: { "dbplace.io/max-staleness-minutes": String(catalogSpec.replicas.maxStalenessMinutes) },
                },
                spec: podSpec,
            },
        },
    }, opts);

    return {
        namespace: namespace.metadata.name,
        deployment: deployment.metadata.name,
        catalogPlacement: catalog.placement,
        ordersPlacement: orders.placement,
        ordersHost: orders.host,
    };
};

function required(databases: DatabaseSpec[], name: string): DatabaseSpec {
    const spec = databases.find((d) => d.name === name);
    if (!spec) throw new ConfigError([`${DATABASES}:databases has no "${name}" entry; this program needs: catalog, orders.`]);
    return spec;
}

/** The shop reads the catalog over 127.0.0.1 from a sidecar: only a baked, sidecar-mode, in-cluster catalog can give it that. */
function sidecarCatalog(spec: DatabaseSpec): DatabaseSpec {
    const at = `${DATABASES}:databases.catalog`;
    const problems: string[] = [];
    if (spec.placement !== "cluster") problems.push(`${at}.placement is "${spec.placement}"; the shop carries the catalog's replica in its pods, so the catalog must be placed on the cluster.`);
    if (spec.replicas.kind !== "baked" || spec.replicas.mode !== "sidecar") problems.push(`${at}.replicas must be {kind: baked, mode: sidecar}; it is {kind: ${spec.replicas.kind}, mode: ${spec.replicas.mode}}.`);
    if (spec.replicas.image === undefined) problems.push(`${at}.replicas.image is required: the sidecar runs an already baked image (bake one with \`npm run bake\`).`);
    if (spec.replicas.maxStalenessMinutes === undefined) problems.push(`${at}.replicas.maxStalenessMinutes is required: the shop must know how old its catalog reads may be.`);
    if (problems.length > 0) throw new ConfigError(problems);
    return spec;
}
