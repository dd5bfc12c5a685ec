/** How many keys one node holds compared with what its weight promises. */
export interface NodeDistribution {
  readonly id: string;
  readonly keys: number;
  /** keys / total keys; 0 when there is no key at all. */
  readonly share: number;
  /** The share its weight promises (weight / total weight). */
  readonly expectedShare: number;
  /** share / expectedShare: 1 is exactly as expected, 1.3 is 30 % over. 0 when empty. */
  readonly load: number;
  /** True when `load` exceeds the hot threshold. */
  readonly hot: boolean;
}

/**
 * Keys per node and the spread of that distribution. Use `hotNodes` and `maxLoad` to decide
 * whether to rebalance; `relativeStandardDeviation` compares runs of different sizes.
 */
export interface DistributionStats {
  readonly totalKeys: number;
  /** One entry per node, in layout order. */
  readonly nodes: readonly NodeDistribution[];
  readonly meanKeys: number;
  readonly minKeys: number;
  readonly maxKeys: number;
  /** maxKeys / meanKeys (1 when perfectly even, or when there is no key). */
  readonly maxOverMean: number;
  /** Population standard deviation of keys per node. */
  readonly standardDeviation: number;
  /** standardDeviation / meanKeys (coefficient of variation); 0 when there is no key. */
  readonly relativeStandardDeviation: number;
  /** Largest `load` of any node. */
  readonly maxLoad: number;
  /** Ids of nodes whose load exceeds `hotThreshold`, most loaded first. */
  readonly hotNodes: readonly string[];
  /** The threshold used. */
  readonly hotThreshold: number;
}

/** Options of {@link computeDistributionStats}. */
export interface DistributionStatsOptions {
  /** A node is hot when share / expectedShare exceeds this. Default 1.2 (20 % over). */
  readonly hotThreshold?: number;
}

/**
 * Statistics of a key count per node against the shares the nodes should hold. Pure: feed it
 * counts from anywhere (SCAN, DBSIZE, a routed sample). Nodes missing from `counts` count 0;
 * nodes missing from `expectedShares` expect an equal share.
 */
export function computeDistributionStats(
  counts: ReadonlyMap<string, number>,
  expectedShares: ReadonlyMap<string, number>,
  options: DistributionStatsOptions = {},
): DistributionStats {
  const hotThreshold = options.hotThreshold ?? 1.2;
  const ids = [...new Set([...expectedShares.keys(), ...counts.keys()])];
  const totalKeys = ids.reduce((sum, id) => sum + (counts.get(id) ?? 0), 0);
  const fallbackShare = ids.length === 0 ? 0 : 1 / ids.length;
  const nodes = ids.map((id): NodeDistribution => {
    const keys = counts.get(id) ?? 0;
    const share = totalKeys === 0 ? 0 : keys / totalKeys;
    const expectedShare = expectedShares.get(id) ?? fallbackShare;
    const load =
      expectedShare === 0 ? (keys > 0 ? Number.POSITIVE_INFINITY : 0) : share / expectedShare;
    return { id, keys, share, expectedShare, load, hot: load > hotThreshold };
  });
  const keyCounts = nodes.map((node) => node.keys);
  const meanKeys = nodes.length === 0 ? 0 : totalKeys / nodes.length;
  const maxKeys = keyCounts.length === 0 ? 0 : Math.max(...keyCounts);
  const minKeys = keyCounts.length === 0 ? 0 : Math.min(...keyCounts);
  const variance =
    nodes.length === 0
      ? 0
      : keyCounts.reduce((sum, keys) => sum + (keys - meanKeys) ** 2, 0) / nodes.length;
  const standardDeviation = Math.sqrt(variance);
  return {
    totalKeys,
    nodes,
    meanKeys,
    minKeys,
    maxKeys,
    maxOverMean: meanKeys === 0 ? 1 : maxKeys / meanKeys,
    standardDeviation,
    relativeStandardDeviation: meanKeys === 0 ? 0 : standardDeviation / meanKeys,
    maxLoad: nodes.reduce((max, node) => Math.max(max, node.load), 0),
    hotNodes: nodes
      .filter((node) => node.hot)
      .sort((a, b) => b.load - a.load)
      .map((node) => node.id),
    hotThreshold,
  };
}
