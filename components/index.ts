/**
 * The dbplace component package: what another Pulumi program imports (`import { Database } from "dbplace"`).
 * Re-exports only — importing this file registers no resource and reads no config; a program does that
 * when it constructs a component. Names are listed one by one so the public surface is reviewable here.
 */

// ── Config: the vocabulary, validation and size presets ─────────────────────────────────────────────
export {
    BAKEABLE_ENGINES, CLOUDS, ENGINE_VERSIONS, ENGINES, MAX_BACKUP_RETENTION_DAYS, MAX_REPLICAS, PLACEMENTS, PLACEMENTS_BY_CLOUD,
    REPLICA_KINDS, REPLICA_SUPPORT, SIZES, WORLD_CIDRS,
} from "./config/schema";
export type { Cloud, Engine, Placement, ReplicaHost, ReplicaKind, Size } from "./config/schema";
export { cidrProblem, DEFAULT_BACKUP_SCHEDULE, DEFAULT_DATABASE, normaliseName, resolveStack } from "./config/validate";
export type { BackupSpec, ClusterSpec, DatabaseSpec, NetworkSpec, ReplicaSpec, StackSpec } from "./config/validate";
export { readRawConfig, resolveStackConfig } from "./config/read";
export { ConfigError } from "./config/errors";
export { cronProblem } from "./config/cron";
export { ENGINE_PRESET_OVERRIDES, INSTANCE_PRESETS, mebibytes, sizePreset } from "./config/presets";
export type { ContainerPreset, InstancePreset, SizePreset } from "./config/presets";
export { ENGINE_PROFILES } from "./config/engines";
export type { EngineProfile } from "./config/engines";
export type { Ambient, GcpSpec } from "./config/gcp";
export type { AwsSpec } from "./config/aws";

// ── The contract every placement returns, and the facade that picks a placement ─────────────────────
export { connectionUri, contractOutputs, statefulOptions } from "./contract";
export type { ContractValues, DatabaseContract, PlacementFactory } from "./contract";
export { Database } from "./database";
export { StackInfrastructure } from "./shared";
export type { DatabaseArgs } from "./database";
export { assertImplemented, checkStack, implementedPlacements, placementFactory } from "./placements";

// ── Placement components, for programs that want one placement without the facade ─────────────────
export { DockerBakedReplicas, DockerDatabase, DockerStreamingReplicas } from "./docker";
export type { DockerDatabaseArgs, DockerReplicaArgs, ReplicaEndpoint } from "./docker";
export {
    bakedReplicaContainer, bakedReplicaSidecar, ClusterBakedReplicas, ClusterDatabase, clusterProvider, ClusterStreamingReplicas,
    withBakedReplicaSidecar,
} from "./cluster";
export type { BakedReplicaSidecarArgs, ClusterBakedReplicasArgs, ClusterDatabaseArgs, ClusterStreamingReplicasArgs, WithSidecarOptions } from "./cluster";

// Cloud placements. Their networks, clusters and replica groups stay internal: the placements own them.
export { AwsManagedDatabase, AwsVmDatabase } from "./aws";
export type { AwsManagedDatabaseArgs, AwsVmDatabaseArgs } from "./aws";
export { GcpClusterDatabase, GcpManagedDatabase, GcpVmDatabase } from "./gcp";
export type { GcpClusterDatabaseArgs, GcpManagedDatabaseArgs, GcpVmDatabaseArgs } from "./gcp";

// ── Baked read replicas: the image contract and the reader role ────────────────────────────────────
export { BAKED, BakeError, bake, inspectDump, prepareBakeContext } from "./bake";
export type { BakeOptions, BakeResult, DumpInfo } from "./bake";
export { deriveReaderPassword, readerPassword } from "./replicas/reader";
