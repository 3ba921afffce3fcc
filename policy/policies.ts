import { encryptedAtRest } from "./rules/encryption";
import { dockerPortsOnLoopback, noExposedDatabaseService, noPublicDatabaseEndpoint, noPublicIpOnDatabaseVm, noWorldIngressOnDatabasePorts } from "./rules/network";
import { productionBackupRetention, productionDeletionProtection } from "./rules/production";
import { schedulesThatFire } from "./rules/schedules";
import { approvedSizes } from "./rules/sizes";
import { bakedReplicaMaxStaleness } from "./rules/staleness";
import { DbplacePolicy } from "./rules/types";

/**
 * The platform guardrails, in the order `pulumi preview` reports them. Pure data: importing this module
 * starts nothing, so unit tests and the offline checker use it directly; policy/index.ts serves it.
 */
export const policies: DbplacePolicy[] = [
    noPublicDatabaseEndpoint,
    noWorldIngressOnDatabasePorts,
    noExposedDatabaseService,
    noPublicIpOnDatabaseVm,
    dockerPortsOnLoopback,
    encryptedAtRest,
    productionDeletionProtection,
    productionBackupRetention,
    bakedReplicaMaxStaleness,
    approvedSizes,
    schedulesThatFire,
];

export {
    approvedSizes, bakedReplicaMaxStaleness, dockerPortsOnLoopback, encryptedAtRest, noExposedDatabaseService, noPublicDatabaseEndpoint,
    noPublicIpOnDatabaseVm, noWorldIngressOnDatabasePorts, productionBackupRetention, productionDeletionProtection, schedulesThatFire,
};
export type { DbplacePolicy } from "./rules/types";
