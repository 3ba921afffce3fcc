import { AWS_PLACEMENTS } from "./aws/placement";
import { CLUSTER_PLACEMENTS } from "./cluster/placement";
import { DOCKER_PLACEMENTS } from "./docker/placement";
import { GCP_PLACEMENTS } from "./gcp/placement";

/**
 * Every cloud × placement this build offers: the one list a new placement joins (docs/architecture.md).
 * The order is the order of the config vocabulary (clouds, placements) in messages and docs.
 * Pure data: importing it loads no cloud SDK (each descriptor's `factory` loads its module when used).
 */
export const PLACEMENT_DESCRIPTORS = [...AWS_PLACEMENTS, ...GCP_PLACEMENTS, ...DOCKER_PLACEMENTS, ...CLUSTER_PLACEMENTS] as const;

type Descriptor = (typeof PLACEMENT_DESCRIPTORS)[number];

/** The descriptor of one cloud × placement, or undefined when this build does not offer it. */
export function descriptorOf(cloud: Descriptor["cloud"], placement: Descriptor["placement"]): Descriptor | undefined {
    return PLACEMENT_DESCRIPTORS.find((d) => d.cloud === cloud && d.placement === placement);
}

/** The placements of `cloud` that take `key` of the cloud's own config block (`gcp.tier`, `aws.masterPassword`…). */
export function placementsTaking(cloud: Descriptor["cloud"], key: string): Descriptor["placement"][] {
    return PLACEMENT_DESCRIPTORS.filter((d) => d.cloud === cloud && (d.cloudKeys ?? []).includes(key)).map((d) => d.placement);
}
