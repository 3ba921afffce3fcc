import { noAllowListCoveringInternet, wideAllowListEntries } from "./rules/allow-lists";
import { noSuperuserInContract, tlsRequiredInContract } from "./rules/contracts";
import { encryptedAtRest } from "./rules/encryption";
import { noIngressRulesCoveringInternet } from "./rules/ingress-rules";
import { dockerPortsOnLoopback, noExposedDatabaseService, noPublicDatabaseEndpoint, noPublicIpOnDatabaseVm, noWorldIngressOnDatabasePorts } from "./rules/network";
import { productionBackupRetention, productionDeletionProtection } from "./rules/production";
import { schedulesThatFire } from "./rules/schedules";
import { approvedSizes } from "./rules/sizes";
import { bakedReplicaMaxStaleness } from "./rules/staleness";
import { DbplacePolicy, DbplaceStackPolicy } from "./rules/types";

/**
 * The platform guardrails, in the order `pulumi preview` reports them. Pure data: importing this module
 * starts nothing, so unit tests and the offline checker use it directly; policy/index.ts serves it.
 */
export const policies: DbplacePolicy[] = [
    noPublicDatabaseEndpoint,
    noWorldIngressOnDatabasePorts,
    noAllowListCoveringInternet,
    noExposedDatabaseService,
    noPublicIpOnDatabaseVm,
    dockerPortsOnLoopback,
    encryptedAtRest,
    productionDeletionProtection,
    productionBackupRetention,
    bakedReplicaMaxStaleness,
    approvedSizes,
    schedulesThatFire,
    wideAllowListEntries,
];

/** Rules that need the whole stack at once; the pack serves them after the resource rules. */
export const stackPolicies: DbplaceStackPolicy[] = [noIngressRulesCoveringInternet, noSuperuserInContract, tlsRequiredInContract];

export {
    approvedSizes, bakedReplicaMaxStaleness, dockerPortsOnLoopback, encryptedAtRest, noAllowListCoveringInternet, noExposedDatabaseService,
    noIngressRulesCoveringInternet, noPublicDatabaseEndpoint, noSuperuserInContract, tlsRequiredInContract, noPublicIpOnDatabaseVm, noWorldIngressOnDatabasePorts, productionBackupRetention,
    productionDeletionProtection, schedulesThatFire, wideAllowListEntries,
};
export type { DbplacePolicy, DbplaceStackPolicy } from "./rules/types";
