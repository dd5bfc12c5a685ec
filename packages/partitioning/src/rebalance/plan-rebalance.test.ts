import { describe, expect, it } from 'vitest';
import { createLayoutRouter } from '../strategies/create-partitioner.js';
import type { PartitionLayout } from '../strategies/partition-strategy.js';
import { planId } from './plan-id.js';
import { planRebalance } from './plan-rebalance.js';
import type { RebalancePlan, RingArc } from './rebalance-plan.js';

const three: PartitionLayout = {
  nodes: [{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }],
  strategy: { type: 'consistent-hash' },
};
const four: PartitionLayout = {
  nodes: [{ id: 'n1' }, { id: 'n2' }, { id: 'n3' }, { id: 'n4' }],
  strategy: { type: 'consistent-hash' },
};
const keys = Array.from({ length: 50_000 }, (_, index) => `key:${index}`);

function inArcs(hash: number, arcs: readonly RingArc[]): boolean {
  return arcs.some((arc) =>
    arc.start < arc.end ? hash > arc.start && hash <= arc.end : hash > arc.start || hash <= arc.end,
  );
}

/** Every key moves iff its hash lies in an arc of the move from its old to its new owner. */
function expectArcsExact(plan: RebalancePlan) {
  const before = createLayoutRouter(plan.from);
  const after = createLayoutRouter(plan.to);
  // One assertion for the whole sample: an expect per key and move is most of the test's time.
  const mismatches: string[] = [];
  for (const key of keys.slice(0, 10_000)) {
    const source = before.nodeFor(key);
    const target = after.nodeFor(key);
    const hash = before.ring?.hashKey(key) ?? 0;
    for (const move of plan.moves) {
      const expected = move.from === source && move.to === target;
      if (inArcs(hash, move.arcs) !== expected && mismatches.length < 10) {
        mismatches.push(`${key} ${move.from}->${move.to}: expected ${expected}`);
      }
    }
  }
  expect(mismatches).toEqual([]);
}

describe('planRebalance, consistent hashing', () => {
  it('moves only arcs to a joining node, about its share of the keys', () => {
    const plan = planRebalance(three, four);
    expect(plan.joining).toEqual(['n4']);
    expect(plan.leaving).toEqual([]);
    expect(plan.warnings).toEqual([]);
    expect(plan.idealMovedShare).toBeCloseTo(0.25, 10);
    expect(plan.moves.map((move) => move.to)).toEqual(['n4', 'n4', 'n4']);
    expect(plan.estimatedMovedShare).toBeDefined();
    expect(Math.abs((plan.estimatedMovedShare ?? 0) / plan.idealMovedShare - 1)).toBeLessThan(0.1);
    for (const move of plan.moves) expect(move.arcs.length).toBeGreaterThan(100);
    expectArcsExact(plan);
  });

  it('counts exactly with a key list and agrees with the estimate', () => {
    const plan = planRebalance(three, four, { keys });
    const before = createLayoutRouter(three);
    const after = createLayoutRouter(four);
    const moved = keys.filter((key) => before.nodeFor(key) !== after.nodeFor(key)).length;
    expect(plan.movedKeys).toBe(moved);
    expect(plan.moves.reduce((sum, move) => sum + (move.keys ?? 0), 0)).toBe(moved);
    expect(Math.abs(moved / keys.length - (plan.estimatedMovedShare ?? 0))).toBeLessThan(0.02);
  });

  it('turns node key counts into estimated key counts', () => {
    const plan = planRebalance(three, four, {
      nodeKeyCounts: new Map([
        ['n1', 30_000],
        ['n2', 30_000],
        ['n3', 30_000],
      ]),
    });
    expect(plan.totalKeys).toBe(90_000);
    const estimated = plan.moves.reduce((sum, move) => sum + (move.estimatedKeys ?? 0), 0);
    expect(estimated / 90_000).toBeCloseTo(plan.estimatedMovedShare ?? 0, 1);
  });

  it('moves every key of a leaving node, and nothing else', () => {
    const plan = planRebalance(four, three);
    expect(plan.leaving).toEqual(['n4']);
    expect(plan.moves.every((move) => move.from === 'n4')).toBe(true);
    expect(new Set(plan.moves.map((move) => move.to))).toEqual(new Set(['n1', 'n2', 'n3']));
    expectArcsExact(plan);
  });

  it('plans a weight change', () => {
    const plan = planRebalance(three, {
      ...three,
      nodes: [{ id: 'n1', weight: 2 }, { id: 'n2' }, { id: 'n3' }],
    });
    expect(plan.reweighted).toEqual(['n1']);
    expect(plan.idealMovedShare).toBeCloseTo(0.5 - 1 / 3, 10);
    expect(plan.moves.every((move) => move.to === 'n1')).toBe(true);
    expectArcsExact(plan);
  });

  it('plans ketama rings, where membership changes also shuffle other nodes a little', () => {
    const ketama = (layout: PartitionLayout): PartitionLayout => ({
      ...layout,
      strategy: { type: 'consistent-hash', mode: 'ketama' },
    });
    const plan = planRebalance(ketama(three), ketama(four));
    expect(plan.warnings).toEqual([]);
    expect(plan.moves.some((move) => move.to === 'n4')).toBe(true);
    expectArcsExact(plan);
  });

  it('has a stable id that ignores node order, and differs per direction', () => {
    const shuffled: PartitionLayout = {
      ...four,
      nodes: [...four.nodes].reverse(),
    };
    expect(planRebalance(three, four).id).toBe(planRebalance(three, shuffled).id);
    expect(planRebalance(three, four).id).not.toBe(planRebalance(four, three).id);
    const before = createLayoutRouter(three).layout;
    expect(planId(before, before)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('planRebalance, ranges', () => {
  const before: PartitionLayout = {
    nodes: [{ id: 'a' }, { id: 'b' }],
    strategy: {
      type: 'range',
      keyType: 'numeric',
      ranges: [
        { node: 'a', from: 0, to: 1000 },
        { node: 'b', from: 1000, to: 2000 },
      ],
      defaultNode: 'a',
    },
  };
  const after: PartitionLayout = {
    nodes: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
    strategy: {
      type: 'range',
      keyType: 'numeric',
      ranges: [
        { node: 'a', from: 0, to: 1000 },
        { node: 'b', from: 1000, to: 1500 },
        { node: 'c', from: 1500, to: 2000 },
      ],
      defaultNode: 'c',
    },
  };

  it('lists the spans that change owner, with width-based estimates', () => {
    const plan = planRebalance(before, after);
    const split = plan.moves.find((move) => move.from === 'b' && move.to === 'c');
    expect(split?.spans).toEqual([{ from: 1500, to: 2000 }]);
    expect(split?.estimatedShare).toBeCloseTo(0.25, 10);
    const strays = plan.moves.filter((move) => move.from === 'a' && move.to === 'c');
    expect(strays.length).toBe(1);
    expect(strays[0]?.spans).toEqual([
      { from: undefined, to: 0 },
      { from: 2000, to: undefined },
    ]);
    expect(strays[0]?.outsideRanges).toBe(true);
    expect(plan.estimatedMovedShare).toBeUndefined();
  });

  it('counts exactly with keys', () => {
    const sample = Array.from({ length: 2100 }, (_, index) => `user:${index}`);
    const plan = planRebalance(before, after, { keys: sample });
    expect(plan.moves.find((move) => move.from === 'b' && move.to === 'c')?.keys).toBe(500);
    expect(plan.moves.find((move) => move.from === 'a' && move.to === 'c')?.keys).toBe(100);
    expect(plan.movedKeys).toBe(600);
  });

  it('warns when keys would become unroutable', () => {
    const plan = planRebalance(before, {
      nodes: [{ id: 'a' }, { id: 'b' }],
      strategy: {
        type: 'range',
        keyType: 'numeric',
        ranges: [
          { node: 'a', from: 0, to: 1000 },
          { node: 'b', from: 1000, to: 1500 },
        ],
      },
    });
    expect(plan.warnings.join('\n')).toContain('[1500, 2000) are outside every range');
    expect(plan.warnings.join('\n')).toContain('no defaultNode');
  });

  it('handles a change of strategy with a warning and exact counts from keys', () => {
    const plan = planRebalance(before, three, {
      keys: ['user:1', 'user:1500'],
    });
    expect(plan.warnings[0]).toContain('the strategy changes');
    expect(plan.movedKeys).toBe(2);
  });
});
