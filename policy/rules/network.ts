import { DATABASE_PORT_NAMES, DATABASE_PORTS, isWorldCidr } from "../conventions";
import { databasePortsInGcpAllow, databasePortsInNetworkPolicyRule, databasePortsInRange } from "../ports";
import { belongsToDatabase, listing } from "../resource";
import { DbplacePolicy } from "./types";

/** Managed databases never get a public endpoint: clients reach them over the private network. */
export const noPublicDatabaseEndpoint: DbplacePolicy = {
    name: "dbplace-no-public-database-endpoint",
    description: "Managed databases (RDS, Cloud SQL) must not have a public endpoint or admit the whole internet.",
    severity: "critical",
    remediationSteps: "Set publiclyAccessible: false (RDS) or settings.ipConfiguration.ipv4Enabled: false with a privateNetwork (Cloud SQL); reach the database from inside the VPC.",
    validateResource: (args, report) => {
        const p = args.props;
        switch (args.type) {
            case "aws:rds/instance:Instance":
            case "aws:rds/clusterInstance:ClusterInstance":
                if (p.publiclyAccessible === true) {
                    report(`${args.name}: publiclyAccessible is true, which gives the database an internet-facing address; set it to false and reach it from inside the VPC.`);
                }
                return;
            case "gcp:sql/databaseInstance:DatabaseInstance": {
                const ip = p.settings?.ipConfiguration ?? {};
                if (ip.ipv4Enabled !== false) {
                    report(`${args.name}: settings.ipConfiguration.ipv4Enabled is ${ip.ipv4Enabled === undefined ? "not set (Cloud SQL then assigns a public IP)" : "true"}; set it to false and give the instance a privateNetwork.`);
                }
                for (const net of (ip.authorizedNetworks ?? []) as { value?: string; name?: string }[]) {
                    if (isWorldCidr(net.value)) {
                        report(`${args.name}: settings.ipConfiguration.authorizedNetworks admits ${net.value}, the whole internet; list the client ranges instead.`);
                    }
                }
                return;
            }
        }
    },
};

/** Database VMs have private addresses only; a public IP makes every open port an internet port. */
export const noPublicIpOnDatabaseVm: DbplacePolicy = {
    name: "dbplace-no-public-ip-on-database-vm",
    description: "Database VMs (EC2, GCE) and their subnets must not get public IP addresses.",
    severity: "high",
    remediationSteps: "Drop associatePublicIpAddress / accessConfigs; reach the VM through the VPC, a bastion or IAP.",
    validateResource: (args, report) => {
        const p = args.props;
        if (!belongsToDatabase(args)) return;
        switch (args.type) {
            case "aws:ec2/instance:Instance":
                if (p.associatePublicIpAddress === true) {
                    report(`${args.name}: associatePublicIpAddress is true on a database VM; set it to false.`);
                }
                return;
            case "aws:ec2/subnet:Subnet":
                if (p.mapPublicIpOnLaunch === true) {
                    report(`${args.name}: mapPublicIpOnLaunch is true on a database subnet, so every VM in it gets a public IP; set it to false.`);
                }
                return;
            case "gcp:compute/instance:Instance":
                ((p.networkInterfaces ?? []) as { accessConfigs?: unknown[]; ipv6AccessConfigs?: unknown[] }[]).forEach((nic, i) => {
                    if ((nic.accessConfigs ?? []).length > 0 || (nic.ipv6AccessConfigs ?? []).length > 0) {
                        report(`${args.name}: networkInterfaces[${i}] has an accessConfig, which gives the database VM an external IP; remove it.`);
                    }
                });
                return;
        }
    },
};

interface AwsRule { fromPort?: number; toPort?: number; protocol?: string; cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }

/** Security groups and firewalls: 0.0.0.0/0 and ::/0 never reach 5432 or 3306, whoever owns the rule. */
export const noWorldIngressOnDatabasePorts: DbplacePolicy = {
    name: "dbplace-no-world-ingress-on-database-ports",
    description: `Security groups, firewall rules and NetworkPolicies must not open database ports (${listing(DATABASE_PORTS)}) to 0.0.0.0/0 or ::/0.`,
    severity: "critical",
    remediationSteps: "Admit the client ranges, security groups or network tags instead (dbplace config: network.allowedCidrs, allowedSecurityGroupIds, allowedTags).",
    validateResource: (args, report) => {
        const p = args.props;
        const world = (cidrs: unknown): string[] => (Array.isArray(cidrs) ? cidrs.filter(isWorldCidr) : []);
        const awsRule = (rule: AwsRule, where: string) => {
            const ports = databasePortsInRange(rule.protocol, rule.fromPort, rule.toPort);
            const open = [...world(rule.cidrBlocks), ...world(rule.ipv6CidrBlocks)];
            if (ports.length > 0 && open.length > 0) {
                report(`${args.name}: ${where} opens port ${listing(ports)} to ${listing(open)}; admit the client ranges or security groups instead.`);
            }
        };
        switch (args.type) {
            case "aws:ec2/securityGroup:SecurityGroup":
                ((p.ingress ?? []) as AwsRule[]).forEach((rule, i) => awsRule(rule, `ingress[${i}]`));
                return;
            case "aws:ec2/securityGroupRule:SecurityGroupRule":
                if (p.type === "ingress") awsRule(p as AwsRule, "the ingress rule");
                return;
            case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
                awsRule({ protocol: p.ipProtocol, fromPort: p.fromPort, toPort: p.toPort, cidrBlocks: [p.cidrIpv4], ipv6CidrBlocks: [p.cidrIpv6] }, "the ingress rule");
                return;
            case "kubernetes:networking.k8s.io/v1:NetworkPolicy":
                ((p.spec?.ingress ?? []) as { from?: { ipBlock?: { cidr?: string } }[]; ports?: { port?: number | string }[] }[]).forEach((rule, i) => {
                    const open = (rule.from ?? []).map((peer) => peer.ipBlock?.cidr).filter(isWorldCidr) as string[];
                    const ports = databasePortsInNetworkPolicyRule(rule);
                    if (open.length > 0 && ports.length > 0) {
                        report(`${args.name}: ingress[${i}] admits ${listing(open)} to port ${listing(ports)}; name the client namespaces, pods or ranges instead.`);
                    }
                });
                return;
            case "gcp:compute/firewall:Firewall": {
                if ((p.direction ?? "INGRESS") !== "INGRESS" || p.disabled === true) return;
                // GCP applies a rule with no source at all to every source.
                const sourceless = !p.sourceRanges?.length && !p.sourceTags?.length && !p.sourceServiceAccounts?.length;
                const open = sourceless ? ["0.0.0.0/0 (no source given)"] : world(p.sourceRanges);
                const ports = [...new Set(((p.allows ?? []) as { protocol?: string; ports?: string[] }[]).flatMap((a) => databasePortsInGcpAllow(a)))];
                if (ports.length > 0 && open.length > 0) {
                    report(`${args.name}: the firewall opens port ${listing(ports)} to ${listing(open)}; set sourceRanges to the client ranges or use sourceTags.`);
                }
                return;
            }
        }
    },
};

/** Annotations that make a LoadBalancer Service internal on EKS and GKE: allowed, it is not public. */
const INTERNAL_LB: Record<string, string[]> = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ["true"],
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ["internal"],
    "networking.gke.io/load-balancer-type": ["internal"],
    "cloud.google.com/load-balancer-type": ["internal"],
};

/** In-cluster databases are reached through ClusterIP Services and NetworkPolicies, never a node or LB port. */
export const noExposedDatabaseService: DbplacePolicy = {
    name: "dbplace-no-exposed-database-service",
    description: "Kubernetes Services for databases must be ClusterIP: no NodePort, public LoadBalancer or externalIPs on a database port.",
    severity: "high",
    remediationSteps: "Use type ClusterIP and admit clients with network.allowedNamespaces / allowedPodLabels; for cross-cluster access use an internal load balancer.",
    validateResource: (args, report) => {
        if (args.type !== "kubernetes:core/v1:Service") return;
        const spec = args.props.spec ?? {};
        const ports = (spec.ports ?? []) as { port?: number; targetPort?: number | string; name?: string }[];
        const dbPorts = ports.filter((pt) =>
            DATABASE_PORTS.includes(Number(pt.port)) ||
            DATABASE_PORTS.includes(Number(pt.targetPort)) ||
            DATABASE_PORT_NAMES.includes(String(pt.targetPort ?? "").toLowerCase()) ||
            DATABASE_PORT_NAMES.includes(String(pt.name ?? "").toLowerCase()));
        const owned = belongsToDatabase(args);
        if (dbPorts.length === 0 && !owned) return;
        const shown = (dbPorts.length > 0 ? dbPorts : ports).map((pt) => pt.port ?? pt.name ?? "?");
        const annotations = (args.props.metadata?.annotations ?? {}) as Record<string, string>;
        const internal = Object.entries(INTERNAL_LB).some(([k, values]) => values.includes(String(annotations[k] ?? "").toLowerCase()));
        if (spec.type === "NodePort") {
            report(`${args.name}: type NodePort exposes database port ${listing(shown)} on every node's address; use type ClusterIP.`);
        } else if (spec.type === "LoadBalancer" && !internal) {
            report(`${args.name}: type LoadBalancer gives database port ${listing(shown)} an external address; use type ClusterIP, or an internal load balancer annotation (${Object.keys(INTERNAL_LB).join(", ")}).`);
        } else if (spec.type === "LoadBalancer" && ((spec.loadBalancerSourceRanges ?? []) as string[]).some(isWorldCidr)) {
            report(`${args.name}: loadBalancerSourceRanges admits the whole internet to database port ${listing(shown)}; list the client ranges.`);
        }
        if ((spec.externalIPs ?? []).length > 0) {
            report(`${args.name}: externalIPs ${listing(spec.externalIPs)} expose database port ${listing(shown)} outside the cluster; remove them.`);
        }
    },
};

const ALL_INTERFACES = ["", "0.0.0.0", "::", "[::]"];

/** Local databases publish on 127.0.0.1 only: a laptop on café Wi-Fi is the internet too. */
export const dockerPortsOnLoopback: DbplacePolicy = {
    name: "dbplace-docker-ports-on-loopback",
    description: "Docker containers must publish database ports (and every port of a dbplace container) on 127.0.0.1, not on all interfaces.",
    severity: "high",
    remediationSteps: `Set ports[].ip to "127.0.0.1".`,
    validateResource: (args, report) => {
        if (args.type !== "docker:index/container:Container") return;
        const owned = belongsToDatabase(args);
        if (owned && args.props.networkMode === "host") {
            report(`${args.name}: networkMode "host" makes every database port listen on all host interfaces; use a bridge network and publish on 127.0.0.1.`);
        }
        ((args.props.ports ?? []) as { internal?: number; ip?: string }[]).forEach((port, i) => {
            const everywhere = ALL_INTERFACES.includes(String(port.ip ?? "").trim());
            if (everywhere && (owned || DATABASE_PORTS.includes(Number(port.internal)))) {
                report(`${args.name}: ports[${i}] publishes container port ${port.internal} on ${port.ip ? port.ip : "all interfaces (ip not set)"}; set ip to "127.0.0.1".`);
            }
        });
    },
};
