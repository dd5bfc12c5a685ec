import type { NormalizedLayout } from '../strategies/create-partitioner.js';

/**
 * A stretch of the 32-bit hash ring: keys whose hash `h` satisfies `start < h <= end`. When
 * `start >= end` the arc wraps past 2^32 - 1 to 0.
 */
export interface RingArc {
  readonly start: number;
  readonly end: number;
}

/** A stretch of a range strategy's key space: `[from, to)`, undefined meaning open. */
export interface KeySpan {
  readonly from: number | string | undefined;
  readonly to: number | string | undefined;
}

/** Keys that change owner from one node to another. */
export interface PlannedMove {
  /** Node that holds the keys now. */
  readonly from: string;
  /** Node that owns them in the new layout. */
  readonly to: string;
  /** Ring arcs that change hands (consistent-hash strategy), merged where adjacent. */
  readonly arcs: readonly RingArc[];
  /** Key spans that change hands (range strategy), merged where adjacent. */
  readonly spans: readonly KeySpan[];
  /**
   * True when keys outside every range (routed to `defaultNode`) move because the default node
   * changes (range strategy).
   */
  readonly outsideRanges: boolean;
  /**
   * Estimated fraction of all keys that move (arc length for consistent hashing; span width
   * for bounded numeric ranges); undefined when it cannot be estimated without a scan.
   */
  readonly estimatedShare: number | undefined;
  /** Estimated number of keys, when key counts per node were known; else undefined. */
  readonly estimatedKeys: number | undefined;
  /** Exact number of keys, when the plan was made with a scan or a key list; else undefined. */
  readonly keys: number | undefined;
}

/**
 * What changes between two layouts: which keys move from which node to which, how many, and
 * how that compares with the minimum any scheme must move. Plain data: log it, review it,
 * store it; `migrate` executes it. `id` fingerprints the two layouts, so a plan made again for
 * the same change (after a crash) has the same id and resumes from its checkpoint.
 */
export interface RebalancePlan {
  /** Stable fingerprint of `from` and `to` (hex). */
  readonly id: string;
  readonly from: NormalizedLayout;
  readonly to: NormalizedLayout;
  /** Node ids only in `to`. */
  readonly joining: readonly string[];
  /** Node ids only in `from`: every key on them moves. */
  readonly leaving: readonly string[];
  /** Node ids in both whose weight changed. */
  readonly reweighted: readonly string[];
  /** One entry per (from, to) pair that exchanges keys, largest first. */
  readonly moves: readonly PlannedMove[];
  /**
   * The least share of keys any placement must move to reach the new expected shares:
   * half the sum of |new share - old share| over the nodes (for one node joining with weight w
   * over a total W: w / (W + w)).
   */
  readonly idealMovedShare: number;
  /** Sum of the moves' estimated shares, or undefined when some cannot be estimated. */
  readonly estimatedMovedShare: number | undefined;
  /** Keys counted when the plan was made (all nodes), or undefined. */
  readonly totalKeys: number | undefined;
  /** Exact number of keys that move, when made with a scan or a key list; else undefined. */
  readonly movedKeys: number | undefined;
  /** Things to look at before migrating (e.g. keys that would become unroutable). */
  readonly warnings: readonly string[];
}
