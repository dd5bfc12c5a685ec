import { ConfigError, type ConfigIssue, HashRing, hashTag } from '@redgrid/core';
import { UnroutableKeyError } from '../errors/unroutable-key-error.js';
import type { PartitionLayout, PartitionStrategy } from './partition-strategy.js';
import { RangeRouter } from './range-router.js';

/** A layout with every default applied: weights are numbers, node order is the given one. */
export interface NormalizedLayout {
  readonly nodes: readonly { readonly id: string; readonly weight: number }[];
  readonly strategy: PartitionStrategy;
}

/**
 * Pure routing for one layout: which node owns a key. No I/O, no connection; safe to build
 * anywhere (a CLI that plans a rebalance, a test). `createPartitionedRedis` builds one per
 * layout it knows (current, and target while a migration runs).
 */
export interface Partitioner {
  /** The layout, defaults applied. */
  readonly layout: NormalizedLayout;
  /** Owner of `key`. Throws `UnroutableKeyError` when the strategy has none for it. */
  nodeFor(key: string): string;
  /** Owner of `key`, or the `UnroutableKeyError` explaining why there is none (not thrown). */
  route(key: string): string | UnroutableKeyError;
  /** Share of keys each node is expected to hold: its weight over the total weight. */
  expectedShares(): ReadonlyMap<string, number>;
}

/** A {@link Partitioner} with its strategy's structures, for planning and analysis. */
export interface LayoutRouter extends Partitioner {
  /** The hash ring (consistent-hash strategy only), for arc-level planning. */
  readonly ring: HashRing | undefined;
  /** The range router (range strategy only). */
  readonly ranges: RangeRouter | undefined;
}

/** Checks node ids and weights; throws one `ConfigError` listing every problem. */
export function normalizeLayout(layout: PartitionLayout): NormalizedLayout {
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  if (layout.nodes.length === 0) {
    issues.push({
      variable: 'nodes',
      message: 'no node is given; list at least one node',
    });
  }
  const nodes = layout.nodes.map((node, index) => {
    if (typeof node.id !== 'string' || node.id === '') {
      issues.push({
        variable: `nodes[${index}].id`,
        message: 'must be a non-empty string; use a stable name such as "cache-1", not an address',
      });
    } else if (seen.has(node.id)) {
      issues.push({
        variable: `nodes[${index}].id`,
        message: `"${node.id}" is used by another node too; node ids must be unique`,
      });
    }
    seen.add(node.id);
    const weight = node.weight ?? 1;
    if (!(typeof weight === 'number' && Number.isFinite(weight) && weight > 0)) {
      issues.push({
        variable: `nodes[${index}].weight`,
        message: `is ${String(weight)}; use a finite number above 0 (default 1)`,
      });
    }
    return Object.freeze({ id: node.id, weight });
  });
  const strategyType: unknown = layout.strategy?.type;
  if (strategyType !== 'consistent-hash' && strategyType !== 'range') {
    issues.push({
      variable: 'strategy.type',
      message: `is ${JSON.stringify(strategyType)}; use "consistent-hash" or "range"`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    nodes: Object.freeze(nodes),
    strategy: layout.strategy,
  });
}

/**
 * Builds the router of a layout: which node owns a key, without Redis (a tool that splits a
 * key list per node, a check of a naming scheme before going live). Throws `ConfigError` for
 * bad nodes and `InvalidRangesError` (also a `ConfigError`) for ranges with gaps, overlaps or
 * unknown nodes. `createPartitionedRedis` routes with the same code.
 */
export function createPartitioner(layout: PartitionLayout): Partitioner {
  const { layout: normalized, nodeFor, route, expectedShares } = createLayoutRouter(layout);
  return { layout: normalized, nodeFor, route, expectedShares };
}

/** {@link createPartitioner} with the ring or range router exposed (package-internal). */
export function createLayoutRouter(layout: PartitionLayout): LayoutRouter {
  const normalized = normalizeLayout(layout);
  const ids = new Set(normalized.nodes.map((node) => node.id));
  const totalWeight = normalized.nodes.reduce((sum, node) => sum + node.weight, 0);
  const shares = new Map(normalized.nodes.map((node) => [node.id, node.weight / totalWeight]));
  const strategy = normalized.strategy;

  if (strategy.type === 'range') {
    const router = new RangeRouter(strategy, ids);
    const route = (key: string) => router.route(key);
    return {
      layout: normalized,
      route,
      nodeFor(key) {
        const owner = route(key);
        if (typeof owner === 'string') return owner;
        throw owner;
      },
      expectedShares: () => shares,
      ring: undefined,
      ranges: router,
    };
  }

  const ring = new HashRing({
    nodes: normalized.nodes.map((node) => ({
      id: node.id,
      weight: node.weight,
    })),
    ...(strategy.virtualNodes === undefined ? {} : { virtualNodes: strategy.virtualNodes }),
    ...(strategy.mode === undefined ? {} : { mode: strategy.mode }),
  });
  // The ring hashes the hash tag when the key has one, so `{user:1}:a` and `{user:1}:b` land
  // together (twemproxy's `hash_tag: "{}"` does the same).
  const route = (key: string): string | UnroutableKeyError =>
    ring.getNode(hashTag(key)) ??
    new UnroutableKeyError({
      key,
      reason: 'no-nodes',
      message: `Key ${JSON.stringify(key)} cannot be routed: the hash ring has no node; add one`,
    });
  return {
    layout: normalized,
    route,
    nodeFor(key) {
      const owner = route(key);
      if (typeof owner === 'string') return owner;
      throw owner;
    },
    expectedShares: () => shares,
    ring,
    ranges: undefined,
  };
}
