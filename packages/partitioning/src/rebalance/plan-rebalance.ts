import {
  createLayoutRouter,
  type NormalizedLayout,
  type Partitioner,
} from '../strategies/create-partitioner.js';
import type { PartitionLayout } from '../strategies/partition-strategy.js';
import type { CheckedRange } from '../strategies/validate-ranges.js';
import { planId } from './plan-id.js';
import { diffRanges } from './range-spans.js';
import type { KeySpan, PlannedMove, RebalancePlan, RingArc } from './rebalance-plan.js';
import { arcShare, diffRings } from './ring-arcs.js';

/** A key and the node it was found on (rather than the node the old layout assigns). */
export interface LocatedKey {
  readonly key: string;
  readonly node: string;
}

/** Options of {@link planRebalance}. */
export interface PlanRebalanceOptions {
  /**
   * Keys to count exactly: each is routed with both layouts (or, for a `LocatedKey`, taken
   * from the node it was found on) and counted in the move it belongs to. Without it the plan
   * only has estimates.
   */
  readonly keys?: Iterable<string | LocatedKey>;
  /**
   * Keys per node now (e.g. from DBSIZE): turns estimated shares into estimated key counts,
   * weighted by what each node really holds.
   */
  readonly nodeKeyCounts?: ReadonlyMap<string, number>;
}

interface MoveDraft {
  from: string;
  to: string;
  arcs: RingArc[];
  spans: KeySpan[];
  outsideRanges: boolean;
  estimatedShare: number | undefined;
  estimatedKeys: number | undefined;
  keys: number | undefined;
}

function shareDelta(from: Partitioner, to: Partitioner): number {
  const before = from.expectedShares();
  const after = to.expectedShares();
  let sum = 0;
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    sum += Math.abs((after.get(id) ?? 0) - (before.get(id) ?? 0));
  }
  return sum / 2;
}

function finiteWidth(ranges: readonly CheckedRange<number | string>[], node: string): number {
  let width = 0;
  for (const range of ranges) {
    if (range.node !== node) continue;
    if (typeof range.from !== 'number' || typeof range.to !== 'number') {
      return Number.POSITIVE_INFINITY;
    }
    width += range.to - range.from;
  }
  return width;
}

/**
 * Compares two layouts and says what moves where: for consistent hashing the ring arcs that
 * change owner (with their share of the ring), for ranges the key spans, for keys outside
 * every range the change of default node. Pure and synchronous: no Redis is involved unless
 * you pass key counts or keys you scanned. `PartitionedRedis.planRebalance` calls it with the
 * live layout and real counts.
 *
 * Gotcha: the ideal share assumes keys spread as the weights say; compare `estimatedMovedShare`
 * with `idealMovedShare` to see how much extra movement the ring's granularity costs.
 */
export function planRebalance(
  from: PartitionLayout,
  to: PartitionLayout,
  options: PlanRebalanceOptions = {},
): RebalancePlan {
  const before = createLayoutRouter(from);
  const after = createLayoutRouter(to);
  const beforeIds = new Set(before.layout.nodes.map((node) => node.id));
  const afterIds = new Set(after.layout.nodes.map((node) => node.id));
  const afterWeights = new Map(after.layout.nodes.map((node) => [node.id, node.weight]));
  const warnings: string[] = [];
  const drafts = new Map<string, MoveDraft>();
  const draft = (source: string, target: string): MoveDraft => {
    const id = `${source}\u0000${target}`;
    let entry = drafts.get(id);
    if (!entry) {
      entry = {
        from: source,
        to: target,
        arcs: [],
        spans: [],
        outsideRanges: false,
        estimatedShare: 0,
        estimatedKeys: undefined,
        keys: undefined,
      };
      drafts.set(id, entry);
    }
    return entry;
  };
  const counts = options.nodeKeyCounts;
  const addEstimate = (entry: MoveDraft, share: number | undefined, keys: number | undefined) => {
    entry.estimatedShare =
      entry.estimatedShare === undefined || share === undefined
        ? undefined
        : entry.estimatedShare + share;
    if (keys !== undefined) entry.estimatedKeys = (entry.estimatedKeys ?? 0) + keys;
  };

  const beforeStrategy = before.layout.strategy;
  const afterStrategy = after.layout.strategy;
  // Arc-level planning reads the rings' own points (consistent-hash strategies only).
  const oldPoints = before.ring?.points();
  const newPoints = after.ring?.points();
  if (oldPoints && newPoints) {
    const owned = new Map<string, number>();
    for (let index = 0; index < oldPoints.length; index++) {
      const point = oldPoints[index];
      const previous = oldPoints[index === 0 ? oldPoints.length - 1 : index - 1];
      if (!point || !previous) continue;
      const share =
        oldPoints.length === 1 ? 1 : arcShare({ start: previous.hash, end: point.hash });
      owned.set(point.node, (owned.get(point.node) ?? 0) + share);
    }
    for (const change of diffRings(oldPoints, newPoints)) {
      const entry = draft(change.from, change.to);
      entry.arcs.push(change.arc);
      const share = arcShare(change.arc);
      const nodeKeys = counts?.get(change.from);
      const ownedShare = owned.get(change.from) ?? 0;
      addEstimate(
        entry,
        share,
        nodeKeys === undefined || ownedShare === 0 ? undefined : (nodeKeys * share) / ownedShare,
      );
    }
  } else if (
    before.ranges &&
    after.ranges &&
    beforeStrategy.type === 'range' &&
    afterStrategy.type === 'range' &&
    beforeStrategy.keyType === afterStrategy.keyType
  ) {
    const shares = before.expectedShares();
    for (const change of diffRanges(before.ranges, after.ranges)) {
      if (change.to === undefined) {
        warnings.push(
          `keys in [${String(change.span.from ?? '-inf')}, ${String(change.span.to ?? '+inf')}) are outside every range of the new layout and it has no defaultNode: they would become unroutable; add a range or a defaultNode`,
        );
        continue;
      }
      if (change.from === undefined) continue;
      const entry = draft(change.from, change.to);
      entry.spans.push(change.span);
      const { from: low, to: high } = change.span;
      const width = typeof low === 'number' && typeof high === 'number' ? high - low : undefined;
      const total = finiteWidth(before.ranges.ranges, change.from);
      const fraction =
        width === undefined || !Number.isFinite(total) || total === 0 ? undefined : width / total;
      const nodeKeys = counts?.get(change.from);
      addEstimate(
        entry,
        fraction === undefined ? undefined : fraction * (shares.get(change.from) ?? 0),
        fraction === undefined || nodeKeys === undefined ? undefined : fraction * nodeKeys,
      );
    }
    const oldDefault = before.ranges.defaultNode;
    const newDefault = after.ranges.defaultNode;
    if (oldDefault !== undefined && oldDefault !== newDefault) {
      if (newDefault === undefined) {
        warnings.push(
          `the new layout has no defaultNode: keys without a usable segment (now on "${oldDefault}") would become unroutable; keep a defaultNode or rename such keys`,
        );
      } else {
        const entry = draft(oldDefault, newDefault);
        entry.outsideRanges = true;
        addEstimate(entry, undefined, undefined);
      }
    }
  } else {
    warnings.push(
      `the strategy changes (${beforeStrategy.type}${beforeStrategy.type === 'range' ? `/${beforeStrategy.keyType}` : ''} -> ${afterStrategy.type}${afterStrategy.type === 'range' ? `/${afterStrategy.keyType}` : ''}): any key may move; plan with a scan to get counts`,
    );
    for (const source of beforeIds) {
      for (const target of afterIds) {
        if (source !== target) addEstimate(draft(source, target), undefined, undefined);
      }
    }
  }
  for (const id of beforeIds) {
    if (!afterIds.has(id) && ![...drafts.values()].some((entry) => entry.from === id)) {
      // A leaving node that owned nothing (e.g. no range): nothing to move, but say so.
      warnings.push(`node "${id}" leaves and owns no key in the old layout`);
    }
  }

  let movedKeys: number | undefined;
  let scannedKeys: number | undefined;
  if (options.keys !== undefined) {
    movedKeys = 0;
    scannedKeys = 0;
    let unroutable = 0;
    for (const draftEntry of drafts.values()) draftEntry.keys = 0;
    for (const item of options.keys) {
      const key = typeof item === 'string' ? item : item.key;
      scannedKeys++;
      const source = typeof item === 'string' ? before.route(key) : item.node;
      const target = after.route(key);
      if (typeof target !== 'string') {
        unroutable++;
        continue;
      }
      if (typeof source !== 'string' || source === target) continue;
      const entry = draft(source, target);
      if (entry.estimatedShare === 0 && entry.arcs.length === 0 && entry.spans.length === 0) {
        entry.estimatedShare = undefined;
      }
      entry.keys = (entry.keys ?? 0) + 1;
      movedKeys++;
    }
    if (unroutable > 0) {
      warnings.push(
        `${unroutable} key(s) have no owner in the new layout (UnroutableKeyError); they will not be moved`,
      );
    }
  }

  const totalKeys =
    counts === undefined
      ? scannedKeys
      : [...counts.values()].reduce((sum, count) => sum + count, 0);
  const moves: PlannedMove[] = [...drafts.values()]
    .filter(
      (entry) =>
        entry.keys !== 0 || entry.arcs.length > 0 || entry.spans.length > 0 || entry.outsideRanges,
    )
    .map((entry) => ({
      from: entry.from,
      to: entry.to,
      arcs: Object.freeze(entry.arcs),
      spans: Object.freeze(entry.spans),
      outsideRanges: entry.outsideRanges,
      estimatedShare: entry.estimatedShare,
      estimatedKeys:
        entry.estimatedKeys ??
        (entry.estimatedShare !== undefined && totalKeys !== undefined && counts !== undefined
          ? entry.estimatedShare * totalKeys
          : undefined),
      keys: entry.keys,
    }))
    .sort(
      (a, b) =>
        (b.keys ?? b.estimatedKeys ?? b.estimatedShare ?? 0) -
          (a.keys ?? a.estimatedKeys ?? a.estimatedShare ?? 0) ||
        (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1),
    );
  const estimatedMovedShare = moves.every((move) => move.estimatedShare !== undefined)
    ? moves.reduce((sum, move) => sum + (move.estimatedShare ?? 0), 0)
    : undefined;

  const layoutFrom: NormalizedLayout = before.layout;
  const layoutTo: NormalizedLayout = after.layout;
  return Object.freeze({
    id: planId(layoutFrom, layoutTo),
    from: layoutFrom,
    to: layoutTo,
    joining: [...afterIds].filter((id) => !beforeIds.has(id)),
    leaving: [...beforeIds].filter((id) => !afterIds.has(id)),
    reweighted: before.layout.nodes
      .filter((node) => afterWeights.has(node.id) && afterWeights.get(node.id) !== node.weight)
      .map((node) => node.id),
    moves: Object.freeze(moves),
    idealMovedShare: shareDelta(before, after),
    estimatedMovedShare,
    totalKeys,
    movedKeys,
    warnings: Object.freeze(warnings),
  });
}
