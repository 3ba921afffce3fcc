import {
    dockerPortsOnLoopback, noExposedDatabaseService, noPublicDatabaseEndpoint, noPublicIpOnDatabaseVm, noWorldIngressOnDatabasePorts,
} from "../../policy/policies";
import { DbplacePolicy } from "../../policy/rules/types";
import { expectCase, FakeResource, PolicyCase } from "../../policy/testing";

/** Under a dbplace component, as the placements register them. */
const OWNED = { parents: ["dbplace:index:Database", "dbplace:aws:AwsDatabase"] };

function table(policy: DbplacePolicy, cases: PolicyCase[]): void {
    describe(`policy ${policy.name}`, () => {
        for (const [title, resource, expect] of cases) {
            it(`${expect.length === 0 ? "passes" : "fails"} ${title}`, () => expectCase(policy, resource, expect));
        }
    });
}

const rds = (props: Record<string, unknown>): FakeResource => ({ type: "aws:rds/instance:Instance", name: "orders", props: { instanceClass: "db.t4g.small", ...props } });
const cloudSql = (ipConfiguration: unknown): FakeResource => ({ type: "gcp:sql/databaseInstance:DatabaseInstance", name: "orders", props: { settings: { tier: "db-custom-1-3840", ipConfiguration } } });

table(noPublicDatabaseEndpoint, [
    ["a private RDS instance", rds({ publiclyAccessible: false }), []],
    ["an RDS instance that leaves publiclyAccessible unset (AWS default false)", rds({}), []],
    ["a publicly accessible RDS instance", rds({ publiclyAccessible: true }), [/orders: publiclyAccessible is true/, /set it to false/]],
    ["a publicly accessible Aurora instance", { type: "aws:rds/clusterInstance:ClusterInstance", props: { publiclyAccessible: true } }, [/publiclyAccessible is true/]],
    ["a private-IP Cloud SQL instance", cloudSql({ ipv4Enabled: false, privateNetwork: "projects/p/global/networks/n" }), []],
    ["a Cloud SQL instance with a public IP", cloudSql({ ipv4Enabled: true }), [/ipv4Enabled is true/, /privateNetwork/]],
    ["a Cloud SQL instance without ipConfiguration (public by default)", cloudSql(undefined), [/ipv4Enabled is not set \(Cloud SQL then assigns a public IP\)/]],
    ["Cloud SQL authorizing 0.0.0.0/0", cloudSql({ ipv4Enabled: false, authorizedNetworks: [{ value: "10.0.0.0/8" }, { value: "0.0.0.0/0" }] }), [/authorizedNetworks admits 0.0.0.0\/0, the whole internet/]],
    ["a resource of another type", { type: "aws:s3/bucket:Bucket", props: { publiclyAccessible: true } }, []],
]);

const sg = (ingress: unknown[]): FakeResource => ({ type: "aws:ec2/securityGroup:SecurityGroup", name: "orders-sg", props: { ingress } });
table(noWorldIngressOnDatabasePorts, [
    ["a security group admitting a VPC range on 5432", sg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] }]), []],
    ["a security group opening 443 to the world", sg([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]), []],
    ["a security group opening 5432 to the world", sg([{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] }]), [/orders-sg: ingress\[0\] opens port 5432 to 0.0.0.0\/0/]],
    ["a range that covers 3306 and 5432 over IPv6", sg([{ protocol: "tcp", fromPort: 3000, toPort: 6000, ipv6CidrBlocks: ["::/0"] }]), [/opens port 3306 and 5432 to ::\/0/]],
    ["all protocols from anywhere", sg([{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }]), [/opens port 3306 and 5432/]],
    ["a standalone ingress rule on 3306", { type: "aws:ec2/securityGroupRule:SecurityGroupRule", props: { type: "ingress", protocol: "tcp", fromPort: 3306, toPort: 3306, cidrBlocks: ["0.0.0.0/0"] } }, [/the ingress rule opens port 3306/]],
    ["a standalone egress rule to the world", { type: "aws:ec2/securityGroupRule:SecurityGroupRule", props: { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] } }, []],
    ["a VPC ingress rule from a security group", { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", props: { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-1" } }, []],
    ["a VPC ingress rule from the world", { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", props: { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "0.0.0.0/0" } }, [/opens port 5432 to 0.0.0.0\/0/]],
    ["a GCP firewall admitting a subnet", { type: "gcp:compute/firewall:Firewall", props: { sourceRanges: ["10.10.0.0/20"], allows: [{ protocol: "tcp", ports: ["5432"] }] } }, []],
    ["a GCP firewall by network tag", { type: "gcp:compute/firewall:Firewall", props: { sourceTags: ["app"], allows: [{ protocol: "tcp", ports: ["5432"] }] } }, []],
    ["a GCP firewall opening 5432 to the world", { type: "gcp:compute/firewall:Firewall", name: "db-fw", props: { sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "tcp", ports: ["5000-6000"] }] } }, [/db-fw: the firewall opens port 5432 to 0.0.0.0\/0/]],
    ["a GCP firewall with no source at all", { type: "gcp:compute/firewall:Firewall", props: { allows: [{ protocol: "tcp", ports: ["3306"] }] } }, [/opens port 3306 to 0.0.0.0\/0 \(no source given\)/]],
    ["a NetworkPolicy admitting a namespace", { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", props: { spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "shop" } } }], ports: [{ port: 5432 }] }] } } }, []],
    ["a NetworkPolicy admitting 0.0.0.0/0 on 5432", { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", name: "app-netpol", props: { spec: { ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 5432 }] }] } } }, [/app-netpol: ingress\[0\] admits 0.0.0.0\/0 to port 5432/]],
    ["a NetworkPolicy admitting 0.0.0.0/0 to metrics only", { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", props: { spec: { ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 9187 }] }] } } }, []],
    ["a disabled GCP firewall", { type: "gcp:compute/firewall:Firewall", props: { disabled: true, sourceRanges: ["0.0.0.0/0"], allows: [{ protocol: "all" }] } }, []],
]);

const svc = (spec: Record<string, unknown>, extra: Partial<FakeResource> = {}): FakeResource => ({ type: "kubernetes:core/v1:Service", name: "app-ro", props: { metadata: { name: "app-ro" }, spec }, ...extra });
table(noExposedDatabaseService, [
    ["a ClusterIP database Service", svc({ type: "ClusterIP", ports: [{ port: 5432 }] }), []],
    ["a LoadBalancer for a web app", svc({ type: "LoadBalancer", ports: [{ port: 443, targetPort: 8443 }] }), []],
    ["a LoadBalancer on 5432", svc({ type: "LoadBalancer", ports: [{ port: 5432 }] }), [/app-ro: type LoadBalancer gives database port 5432 an external address/]],
    ["a NodePort to a named postgres port", svc({ type: "NodePort", ports: [{ port: 80, targetPort: "postgres" }] }), [/type NodePort exposes database port 80/]],
    ["a NodePort under a dbplace component, whatever the port", svc({ type: "NodePort", ports: [{ port: 9187 }] }, OWNED), [/type NodePort/]],
    ["an internal EKS load balancer", { type: "kubernetes:core/v1:Service", props: { metadata: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" } }, spec: { type: "LoadBalancer", ports: [{ port: 5432 }] } } }, []],
    ["an internal load balancer open to the world", { type: "kubernetes:core/v1:Service", props: { metadata: { annotations: { "networking.gke.io/load-balancer-type": "Internal" } }, spec: { type: "LoadBalancer", loadBalancerSourceRanges: ["0.0.0.0/0"], ports: [{ port: 3306 }] } } }, [/loadBalancerSourceRanges admits the whole internet/]],
    ["externalIPs on a database port", svc({ type: "ClusterIP", externalIPs: ["203.0.113.7"], ports: [{ port: 5432 }] }), [/externalIPs 203.0.113.7 expose database port 5432/]],
]);

table(noPublicIpOnDatabaseVm, [
    ["a private database VM on EC2", { type: "aws:ec2/instance:Instance", ...OWNED, props: { associatePublicIpAddress: false } }, []],
    ["a public web VM outside dbplace", { type: "aws:ec2/instance:Instance", props: { associatePublicIpAddress: true } }, []],
    ["a database VM with a public IP", { type: "aws:ec2/instance:Instance", name: "orders-vm", ...OWNED, props: { associatePublicIpAddress: true } }, [/orders-vm: associatePublicIpAddress is true on a database VM/]],
    ["a VM tagged as a database outside the components", { type: "aws:ec2/instance:Instance", props: { associatePublicIpAddress: true, tags: { "dbplace.io/database": "legacy" } } }, [/associatePublicIpAddress is true/]],
    ["a VM tagged the AWS way (dbplace:database)", { type: "aws:ec2/instance:Instance", props: { associatePublicIpAddress: true, tags: { "dbplace:database": "ledger" } } }, [/associatePublicIpAddress is true/]],
    ["a database subnet that maps public IPs", { type: "aws:ec2/subnet:Subnet", ...OWNED, props: { mapPublicIpOnLaunch: true } }, [/mapPublicIpOnLaunch is true on a database subnet/]],
    ["a private GCE database VM", { type: "gcp:compute/instance:Instance", props: { labels: { "dbplace-database": "orders" }, networkInterfaces: [{ subnetwork: "s" }] } }, []],
    ["a GCE database VM with an external IP", { type: "gcp:compute/instance:Instance", props: { labels: { "dbplace-database": "orders" }, networkInterfaces: [{ accessConfigs: [{}] }] } }, [/networkInterfaces\[0\] has an accessConfig/]],
]);

const container = (ports: unknown[], extra: Partial<FakeResource> & { props?: Record<string, unknown> } = {}): FakeResource => ({
    type: "docker:index/container:Container", name: "app-master", ...extra, props: { image: "postgres:17", ports, ...(extra.props ?? {}) },
});
const DOCKER_OWNED = { parents: ["dbplace:index:Database", "dbplace:docker:Database"] };
table(dockerPortsOnLoopback, [
    ["a master published on 127.0.0.1", container([{ internal: 5432, ip: "127.0.0.1" }], DOCKER_OWNED), []],
    ["a web container published on all interfaces", container([{ internal: 8080 }], { props: { image: "nginx" } }), []],
    ["a master published on all interfaces (ip unset)", container([{ internal: 5432 }], DOCKER_OWNED), [/app-master: ports\[0\] publishes container port 5432 on all interfaces \(ip not set\)/]],
    ["any mysql container on 0.0.0.0", container([{ internal: 3306, ip: "0.0.0.0" }]), [/publishes container port 3306 on 0.0.0.0/]],
    ["a dbplace exporter on all interfaces", container([{ internal: 9187, ip: "::" }], DOCKER_OWNED), [/container port 9187/]],
    ["a dbplace container on the host network", container([], { ...DOCKER_OWNED, props: { networkMode: "host" } }), [/networkMode "host"/]],
]);
