import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { InstancePreset } from "../config/presets";
import { DatabaseSpec } from "../config/validate";
import { statefulOptions } from "../contract";
import { gcpLabels, gcpOf } from "./naming";

export interface DatabaseVmArgs {
    /** Resolved spec: machine type, disk size, labels, deletion protection. */
    readonly spec: DatabaseSpec;
    /** primary: its data disk is snapshotted; standby: streams from the primary. Both disks are protected. */
    readonly role: "primary" | "standby";
    /** Zone of the instance and its disk. */
    readonly zone: pulumi.Input<string>;
    /** Subnetwork of the NIC and the reserved address. */
    readonly subnetwork: pulumi.Input<string>;
    /** The VMs' own least-privilege service account. */
    readonly serviceAccountEmail: pulumi.Input<string>;
    /** Tag the firewall rules target. */
    readonly networkTag: string;
    /** Boot image self link (resolved from a family). */
    readonly bootImage: pulumi.Input<string>;
    /** What installs and configures the engine (vm-startup.ts). */
    readonly startupScript: pulumi.Input<string>;
    /** Snapshot schedule attached to the data disk. Default: none (standbys are rebuilt from the primary). */
    readonly snapshotPolicy?: gcp.compute.ResourcePolicy;
    /** What must exist before the instance boots (IAM the startup script relies on). Default none. */
    readonly dependsOn?: pulumi.Resource[];
    /** Component the resources are children of. */
    readonly parent: pulumi.Resource;
}

export interface DatabaseVm {
    readonly address: gcp.compute.Address;
    readonly disk: gcp.compute.Disk;
    readonly instance: gcp.compute.Instance;
}

/**
 * One database VM: a reserved internal address (clients and standbys keep it across instance
 * replacement), a separate protected SSD data disk (the primary's snapshotted), and a shielded
 * instance with no external IP, OS Login for SSH through IAP, and the startup script that installs
 * and configures the engine.
 */
export function databaseVm(name: string, args: DatabaseVmArgs): DatabaseVm {
    const { spec, role } = args;
    const { project, region, machineType } = gcpOf(spec);
    const preset = spec.preset as InstancePreset;
    const parent = { parent: args.parent };
    const labels = gcpLabels(spec, role);

    const address = new gcp.compute.Address(`${name}-ip`, {
        project,
        region,
        addressType: "INTERNAL",
        subnetwork: args.subnetwork,
        description: `dbplace ${spec.name}: ${role} address`,
        labels,
    }, parent);
    // Protected like every stateful resource, the standby's too: after a failover the standby is the primary and its disk the data.
    const disk = new gcp.compute.Disk(`${name}-data`, {
        project,
        zone: args.zone,
        type: "pd-ssd",
        size: preset.storageGb,
        labels,
    }, statefulOptions(spec, { ...parent, ignoreChanges: ["zone"] }));
    if (args.snapshotPolicy) {
        new gcp.compute.DiskResourcePolicyAttachment(`${name}-data-snapshots`, {
            project,
            zone: args.zone,
            disk: disk.name,
            name: args.snapshotPolicy.name,
        }, { ...parent, ignoreChanges: ["zone"] });
    }
    const instance = new gcp.compute.Instance(`${name}`, {
        project,
        zone: args.zone,
        machineType,
        bootDisk: { autoDelete: true, initializeParams: { image: args.bootImage, size: 20, type: "pd-balanced", labels } },
        // deviceName "data": the startup script finds the disk at /dev/disk/by-id/google-data.
        attachedDisks: [{ source: disk.id, deviceName: "data", mode: "READ_WRITE" }],
        // No accessConfigs: no external IP. Egress goes through Cloud NAT, Google APIs through Private Google Access.
        networkInterfaces: [{ subnetwork: args.subnetwork, networkIp: address.address }],
        serviceAccount: { email: args.serviceAccountEmail, scopes: ["https://www.googleapis.com/auth/cloud-platform"] },
        metadata: {
            "enable-oslogin": "TRUE",
            "block-project-ssh-keys": "TRUE",
            "startup-script": args.startupScript,
        },
        shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
        tags: [args.networkTag],
        labels,
        allowStoppingForUpdate: true,
        // GCE's own guard: the console, gcloud and a replacing `pulumi up` alike must turn it off before the VM can go.
        deletionProtection: spec.deletionProtection,
    }, {
        ...parent,
        dependsOn: args.dependsOn,
        // A new image in the family must not replace a running database VM; boot disks are refreshed deliberately.
        // The zone is chosen once (naming.ts stableZones): a changed zone list must never move a database.
        ignoreChanges: ["bootDisk.initializeParams.image", "zone"],
    });
    return { address, disk, instance };
}
