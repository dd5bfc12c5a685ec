import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

/** The type-only names `index.ts` exports (`export type { A }`, `export { type B }`). */
function exportedTypeNames(): string[] {
  const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
  const names: string[] = [];
  for (const [, typeOnly, list = ''] of source.matchAll(/export (type )?\{([^}]*)\}/g)) {
    for (const entry of list.split(',').map((text) => text.trim())) {
      if (entry === '') continue;
      if (typeOnly) names.push(entry);
      else if (entry.startsWith('type ')) names.push(entry.slice('type '.length));
    }
  }
  return names.sort();
}

// A change to these lists is a change to the public API: make it on purpose, with a changeset.
describe('@redgrid/partitioning public API', () => {
  it('exports exactly these runtime values', () => {
    expect(Object.keys(api).sort()).toEqual([
      'ClusterAdminError',
      'ClusterModeError',
      'InvalidRangesError',
      'MigrationError',
      'UnroutableKeyError',
      'analyzeCluster',
      'analyzePartitions',
      'createPartitionedRedis',
      'createPartitioner',
      'fileCheckpointStore',
      'fixCluster',
      'formatSlotRanges',
      'inspectCluster',
      'planClusterRebalance',
      'planRebalance',
      'rebalanceCluster',
    ]);
  });

  it('exports exactly these types', () => {
    expect(exportedTypeNames()).toEqual([
      'AdminSessionOptions',
      'AnalyzeDistributionOptions',
      'AnalyzeOptions',
      'CheckpointStore',
      'ClusterAdminErrorReason',
      'ClusterAnalysis',
      'ClusterConnection',
      'ClusterMasterDistribution',
      'ClusterNodeInfo',
      'ClusterRebalancePlan',
      'ClusterRebalanceProgress',
      'ClusterRebalanceResult',
      'ClusterSlotMove',
      'ClusterSnapshot',
      'ConsistentHashStrategy',
      'DistributionReport',
      'DistributionStats',
      'FixClusterOptions',
      'FixResult',
      'KeySegment',
      'KeySpan',
      'LayoutNode',
      'LexicalRange',
      'LexicalRangeStrategy',
      'LocatedKey',
      'LocatedSampledKey',
      'MasterAnalysis',
      'MigrateOptions',
      'MigrationCheckpoint',
      'MigrationCounters',
      'MigrationErrorReason',
      'MigrationProgress',
      'MigrationResult',
      'MisplacedKey',
      'NodeAnalysis',
      'NodeDistribution',
      'NodeTraffic',
      'NormalizedLayout',
      'NumericRange',
      'NumericRangeStrategy',
      'PartitionAnalysis',
      'PartitionLayout',
      'PartitionNodeAnalysis',
      'PartitionNodeDefinition',
      'PartitionNodeHealth',
      'PartitionStrategy',
      'PartitionedHealth',
      'PartitionedPipeline',
      'PartitionedRedis',
      'PartitionedRedisEvents',
      'PartitionedRedisOptions',
      'Partitioner',
      'PipelineReply',
      'PlanClusterRebalanceOptions',
      'PlanRebalanceOnNodesOptions',
      'PlanRebalanceOptions',
      'PlannedMove',
      'RangeAnalysis',
      'RangeIssue',
      'RangeStrategy',
      'RebalanceClusterOptions',
      'RebalanceMasterPlan',
      'RebalancePlan',
      'RedisArgument',
      'RingArc',
      'SampledKey',
      'SlotFix',
      'SlotMigration',
      'Spread',
      'TransferMethod',
      'UnroutableReason',
      'ValidateOptions',
      'ValidationReport',
    ]);
  });
});
