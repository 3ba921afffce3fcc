import { belongsToDatabase } from "../resource";
import { DbplacePolicy } from "./types";

/**
 * Encryption at rest where the provider leaves it optional. GCP (Cloud SQL, persistent disks) always
 * encrypts at rest, so it has nothing to check; Kubernetes volumes inherit their StorageClass's disk
 * encryption, which a resource policy cannot see (see docs/policies.md).
 */
export const encryptedAtRest: DbplacePolicy = {
    name: "dbplace-encrypted-at-rest",
    description: "Database storage must be encrypted at rest: RDS storageEncrypted, EBS volumes and database VM disks encrypted.",
    severity: "high",
    remediationSteps: "Set storageEncrypted: true (RDS) or encrypted: true (EBS, EC2 block devices). Existing unencrypted storage needs a snapshot-copy-restore.",
    validateResource: (args, report) => {
        const p = args.props;
        switch (args.type) {
            case "aws:rds/instance:Instance":
                // A read replica inherits its source's encryption; the source is checked itself.
                if (p.storageEncrypted !== true && !(p.replicateSourceDb && p.storageEncrypted === undefined)) {
                    report(`${args.name}: storageEncrypted is ${p.storageEncrypted ?? "not set (RDS then stores data unencrypted)"}; set it to true.`);
                }
                return;
            case "aws:rds/cluster:Cluster":
                if (p.storageEncrypted !== true) {
                    report(`${args.name}: storageEncrypted is ${p.storageEncrypted ?? "not set"}; set it to true.`);
                }
                return;
            case "aws:ebs/volume:Volume":
                if (p.encrypted !== true) {
                    report(`${args.name}: encrypted is ${p.encrypted ?? "not set"}; set it to true.`);
                }
                return;
            case "aws:ec2/instance:Instance": {
                if (!belongsToDatabase(args)) return;
                if (p.rootBlockDevice?.encrypted !== true) {
                    report(`${args.name}: rootBlockDevice.encrypted is ${p.rootBlockDevice?.encrypted ?? "not set"} on a database VM; set it to true.`);
                }
                ((p.ebsBlockDevices ?? []) as { encrypted?: boolean; deviceName?: string }[]).forEach((d, i) => {
                    if (d.encrypted !== true) report(`${args.name}: ebsBlockDevices[${i}] (${d.deviceName ?? "?"}) is not encrypted; set encrypted: true.`);
                });
                return;
            }
        }
    },
};
