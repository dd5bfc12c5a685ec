export {
  type AnalyzeOptions,
  analyzeCluster,
  type ClusterAnalysis,
  type LocatedSampledKey,
  type MasterAnalysis,
  type NodeAnalysis,
  type Spread,
} from './analysis/analyze-cluster.js';
export {
  analyzePartitions,
  type PartitionAnalysis,
  type PartitionNodeAnalysis,
  type RangeAnalysis,
} from './analysis/analyze-partitions.js';
export type { NodeTraffic } from './analysis/node-traffic.js';
export type { SampledKey } from './analysis/sample-keys.js';
export type { AdminSessionOptions, ClusterConnection } from './cluster-admin/admin-session.js';
export type {
  ClusterNodeInfo,
  ClusterSnapshot,
  SlotMigration,
} from './cluster-admin/cluster-snapshot.js';
export { type FixClusterOptions, fixCluster, inspectCluster } from './cluster-admin/fix-cluster.js';
export type { FixResult, SlotFix } from './cluster-admin/fix-open-slots.js';
export { formatSlotRanges } from './cluster-admin/format-slot-ranges.js';
export {
  type ClusterRebalancePlan,
  type ClusterSlotMove,
  type PlanClusterRebalanceOptions,
  planClusterRebalance,
  type RebalanceMasterPlan,
} from './cluster-admin/plan-cluster-rebalance.js';
export {
  type ClusterRebalanceProgress,
  type ClusterRebalanceResult,
  type RebalanceClusterOptions,
  rebalanceCluster,
} from './cluster-admin/rebalance-cluster.js';
export type {
  DistributionStats,
  NodeDistribution,
} from './distribution/distribution-stats.js';
export {
  ClusterAdminError,
  type ClusterAdminErrorReason,
} from './errors/cluster-admin-error.js';
export { ClusterModeError } from './errors/cluster-mode-error.js';
export {
  InvalidRangesError,
  type RangeIssue,
} from './errors/invalid-ranges-error.js';
export {
  MigrationError,
  type MigrationErrorReason,
} from './errors/migration-error.js';
export {
  UnroutableKeyError,
  type UnroutableReason,
} from './errors/unroutable-key-error.js';
export type {
  CheckpointStore,
  MigrationCheckpoint,
} from './migration/checkpoint-store.js';
export { fileCheckpointStore } from './migration/file-checkpoint-store.js';
export type {
  MigrateOptions,
  MigrationCounters,
  MigrationProgress,
  MigrationResult,
} from './migration/migration-types.js';
export type { TransferMethod } from './migration/transfers.js';
export { createPartitionedRedis } from './partitioned-redis/create-partitioned-redis.js';
export type {
  PartitionedPipeline,
  PipelineReply,
  RedisArgument,
} from './partitioned-redis/partitioned-pipeline.js';
export type {
  AnalyzeDistributionOptions,
  ClusterMasterDistribution,
  DistributionReport,
  MisplacedKey,
  PartitionedHealth,
  PartitionedRedis,
  PartitionedRedisEvents,
  PartitionedRedisOptions,
  PartitionNodeDefinition,
  PartitionNodeHealth,
  PlanRebalanceOnNodesOptions,
  ValidateOptions,
  ValidationReport,
} from './partitioned-redis/partitioned-redis.js';
export {
  type LocatedKey,
  type PlanRebalanceOptions,
  planRebalance,
} from './rebalance/plan-rebalance.js';
export type {
  KeySpan,
  PlannedMove,
  RebalancePlan,
  RingArc,
} from './rebalance/rebalance-plan.js';
export {
  createPartitioner,
  type NormalizedLayout,
  type Partitioner,
} from './strategies/create-partitioner.js';
export type {
  ConsistentHashStrategy,
  KeySegment,
  LayoutNode,
  LexicalRange,
  LexicalRangeStrategy,
  NumericRange,
  NumericRangeStrategy,
  PartitionLayout,
  PartitionStrategy,
  RangeStrategy,
} from './strategies/partition-strategy.js';
