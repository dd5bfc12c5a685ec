/**
 * Consistent hashing over `@redgrid/core`'s `HashRing`: each node owns arcs of a 32-bit ring in
 * proportion to its weight, so adding or removing a node moves only about `weight / total` of
 * the keys. The default for caches and tenant shards whose keys carry no natural order.
 */
export interface ConsistentHashStrategy {
  readonly type: 'consistent-hash';
  /**
   * Ring points per unit of weight. More points spread keys more evenly (about
   * `1 / sqrt(points)` relative deviation per node) at the cost of memory and a slower
   * `planRebalance`. Default: the `HashRing` default of `@redgrid/core`.
   */
  readonly virtualNodes?: number;
  /**
   * `'ketama'` places keys exactly as libketama / twemproxy / nutcracker do for the same server
   * names (use the names those tools use as node ids, e.g. `'10.0.0.1:6379'`), so a fleet can
   * move between them without reshuffling. Default `'default'`.
   */
  readonly mode?: 'default' | 'ketama';
}

/**
 * Which part of a key a range strategy compares: the `index`-th part when the key is split on
 * `separator` (`user:123:profile` with `{ separator: ':', index: 1 }` gives `123`). A negative
 * index counts from the end (`-1` is the last part).
 */
export interface KeySegment {
  readonly separator: string;
  readonly index: number;
}

/**
 * One range of a numeric range strategy: ids from `from` (inclusive) up to `to` (exclusive),
 * like `Array.prototype.slice`. Omit `from` for "everything below `to`" and `to` for
 * "everything from `from` on".
 */
export interface NumericRange {
  readonly node: string;
  readonly from?: number;
  readonly to?: number;
}

/**
 * One range of a lexical range strategy: segments `s` with `from <= s < to` in UTF-16 code
 * unit order (JavaScript `<`), so `{ from: 'a', to: 'n' }` holds `alice` and `mallory` but not
 * `nancy`. Omit a bound for an open end.
 */
export interface LexicalRange {
  readonly node: string;
  readonly from?: string;
  readonly to?: string;
}

interface RangeStrategyBase {
  readonly type: 'range';
  /**
   * Which part of the routing key is compared. Default `{ separator: ':', index: 1 }`
   * (`user:123` gives `123`); `'key'` compares the whole routing key. When the key has a
   * hash tag the tag is the routing key, and a tag without separator is the segment itself,
   * so `user:{123}:cart` and `{user:123}:cart` both give `123`.
   */
  readonly segment?: KeySegment | 'key';
  /**
   * Node for keys outside every range (or without a usable segment). Without it such keys
   * throw `UnroutableKeyError`, which is usually what you want: a typo in a key should not
   * land silently on some node.
   */
  readonly defaultNode?: string;
}

/** Ranges over a numeric id in the key (`user:123`): tenant shards, id-range archives. */
export interface NumericRangeStrategy extends RangeStrategyBase {
  readonly keyType: 'numeric';
  /** Contiguous, non-overlapping ranges, in any order. Validated when the layout is built. */
  readonly ranges: readonly NumericRange[];
}

/** Ranges over a string segment of the key (`customer:acme`): alphabetical shards. */
export interface LexicalRangeStrategy extends RangeStrategyBase {
  readonly keyType: 'lexical';
  /** Contiguous, non-overlapping ranges, in any order. Validated when the layout is built. */
  readonly ranges: readonly LexicalRange[];
}

/**
 * Range partitioning: ordered, contiguous ranges of an id or a name in the key, each owned by
 * one node. Placement is predictable and range scans stay on one node, but balance is your
 * job: `analyzeDistribution` shows when a range has grown hot.
 */
export type RangeStrategy = NumericRangeStrategy | LexicalRangeStrategy;

/** How keys are assigned to nodes: consistent hashing or ranges. Plain data, safe to log. */
export type PartitionStrategy = ConsistentHashStrategy | RangeStrategy;

/** A node as the strategy sees it: an id and a relative weight (capacity). */
export interface LayoutNode {
  readonly id: string;
  /** Relative capacity, > 0. Default 1. With consistent hashing it scales the node's share. */
  readonly weight?: number;
}

/**
 * Where keys live: the nodes (ids and weights) and the strategy. It holds no address and no
 * secret, so it can be logged, compared and stored; `planRebalance` compares two of them.
 */
export interface PartitionLayout {
  readonly nodes: readonly LayoutNode[];
  readonly strategy: PartitionStrategy;
}
