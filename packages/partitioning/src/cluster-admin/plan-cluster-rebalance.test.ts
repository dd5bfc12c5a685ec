import { describe, expect, it } from 'vitest';
import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import { buildClusterSnapshot, type ClusterSnapshot } from './cluster-snapshot.js';
import { planSlotFixes } from './fix-open-slots.js';
import { formatSlotRanges } from './format-slot-ranges.js';
import { type ClusterNodesEntry, parseClusterNodes } from './parse-cluster-nodes.js';
import { planClusterRebalance } from './plan-cluster-rebalance.js';

const id = (n: number) => String(n).repeat(40).slice(0, 40);

/** CLUSTER NODES text for masters owning the given ranges (one line each). */
function nodesText(
  masters: Array<{ n: number; slots: string; extra?: string; epoch?: number }>,
  myself?: number,
) {
  return masters
    .map(
      ({ n, slots, extra, epoch }) =>
        `${id(n)} 127.0.0.1:${7000 + n}@${17000 + n} ${n === myself ? 'myself,' : ''}master - 0 0 ${epoch ?? n} connected ${slots} ${extra ?? ''}`,
    )
    .join('\n');
}

function snapshotOf(
  masters: Array<{ n: number; slots: string; extra?: string; epoch?: number }>,
): ClusterSnapshot {
  const seed = parseClusterNodes(nodesText(masters));
  const views = new Map<string, ClusterNodesEntry[]>();
  for (const { n } of masters) views.set(id(n), parseClusterNodes(nodesText(masters, n)));
  return buildClusterSnapshot(seed, views);
}

const threeMasters = [
  { n: 1, slots: '0-5460' },
  { n: 2, slots: '5461-10922' },
  { n: 3, slots: '10923-16383' },
];

describe('parseClusterNodes', () => {
  it('reads ranges, single slots and migration markers', () => {
    const [entry] = parseClusterNodes(
      `${id(1)} 10.0.0.1:7000@17000,host myself,master - 0 1700 5 connected 0-2 7 [8->-${id(2)}] [9-<-${id(3)}]`,
    );
    expect(entry).toMatchObject({
      host: '10.0.0.1',
      port: 7000,
      configEpoch: 5,
      slots: [0, 1, 2, 7],
    });
    expect([...(entry?.migrating ?? [])]).toEqual([[8, id(2)]]);
    expect([...(entry?.importing ?? [])]).toEqual([[9, id(3)]]);
    expect(formatSlotRanges([0, 1, 2, 7, 9, 10])).toBe('0-2,7,9-10');
  });
});

describe('buildClusterSnapshot', () => {
  it('finds open slots and resolves a slot claimed twice to the migration target', () => {
    const snapshot = snapshotOf([
      { n: 1, slots: '0-5460', extra: `[5->-${id(4)}]`, epoch: 9 },
      { n: 2, slots: '5461-10922' },
      { n: 3, slots: '10923-16383' },
      { n: 4, slots: '5', epoch: 1 },
    ]);
    expect(snapshot.openSlots).toEqual([5]);
    expect(snapshot.slotOwners[5]).toBe(id(4));
    expect(snapshot.uncoveredSlots).toEqual([]);
    expect(snapshot.problems).toEqual([]);
  });

  it('reports uncovered slots and masters that did not answer', () => {
    const masters = [
      { n: 1, slots: '0-5460' },
      { n: 2, slots: '5461-10000' },
    ];
    const seed = parseClusterNodes(nodesText(masters));
    const snapshot = buildClusterSnapshot(
      seed,
      new Map([[id(1), parseClusterNodes(nodesText(masters, 1))]]),
    );
    expect(snapshot.uncoveredSlots).toHaveLength(16384 - 10001);
    expect(snapshot.problems.join('\n')).toMatch(/127\.0\.0\.1:7002 .* did not answer/);
    expect(snapshot.problems.join('\n')).toMatch(/6383 slot\(s\) have no owner/);
  });
});

describe('planClusterRebalance', () => {
  it('fills an empty master to exactly its share, taking slots from the end of each range', () => {
    const snapshot = snapshotOf([...threeMasters, { n: 4, slots: '' }]);
    expect(planClusterRebalance(snapshot).needed).toBe(false);
    const plan = planClusterRebalance(snapshot, { useEmptyMasters: true });
    expect(plan.needed).toBe(true);
    expect(plan.masters.map((master) => master.slotsAfter)).toEqual([4096, 4096, 4096, 4096]);
    expect(plan.slotsToMove).toBe(4096);
    expect(plan.moves.every((move) => move.to === id(4))).toBe(true);
    const fromFirst = plan.moves.find((move) => move.from === id(1));
    expect(formatSlotRanges(fromFirst?.slots ?? [])).toBe(`${5461 - (5461 - 4096)}-5460`);
  });

  it('drains removed masters and honours weights and the threshold', () => {
    const snapshot = snapshotOf([...threeMasters, { n: 4, slots: '' }]);
    const drained = planClusterRebalance(snapshot, { remove: ['127.0.0.1:7001'] });
    expect(drained.moves.every((move) => move.from === id(1))).toBe(true);
    expect(drained.masters.find((master) => master.id === id(1))?.slotsAfter).toBe(0);
    expect(drained.masters.map((master) => master.slotsAfter).sort()).toEqual([0, 8192, 8192]);
    const weighted = planClusterRebalance(snapshot, { weights: { [id(1).slice(0, 6)]: 2 } });
    expect(weighted.masters.map((master) => master.slotsAfter)).toEqual([8192, 4096, 4096]);
    // 5461 vs 5462 is within 2%.
    expect(planClusterRebalance(snapshotOf(threeMasters), { thresholdPercent: 2 }).needed).toBe(
      false,
    );
    expect(() => planClusterRebalance(snapshot, { remove: ['nope:1'] })).toThrow(
      expect.objectContaining({ reason: 'unknown-node' }),
    );
    expect(() => planClusterRebalance(snapshot, { remove: ['nope:1'] })).toThrow(
      /127\.0\.0\.1:7001/,
    );
    try {
      planClusterRebalance(snapshotOf(threeMasters), {
        weights: { '127.0.0.1:7001': 0, '127.0.0.1:7002': 0, '127.0.0.1:7003': 0 },
      });
      expect.unreachable();
    } catch (error) {
      expect(ClusterAdminError.isInstance(error)).toBe(true);
    }
  });

  it('balances estimated bytes with `by: memory`, moving each slot once', () => {
    const snapshot = snapshotOf(threeMasters);
    const bytes = new Float64Array(16384).fill(100);
    for (let slot = 0; slot < 100; slot++) bytes[slot] = 10_000; // hot slots on master 1
    const plan = planClusterRebalance(snapshot, { by: 'memory', bytesPerSlot: bytes });
    expect(plan.by).toBe('memory');
    expect(plan.needed).toBe(true);
    const moved = plan.moves.flatMap((move) => move.slots);
    expect(new Set(moved).size).toBe(moved.length);
    expect(Math.max(...plan.masters.map((master) => master.deviationAfterPercent))).toBeLessThan(2);
    expect(
      Math.max(...plan.masters.map((master) => master.deviationBeforePercent)),
    ).toBeGreaterThan(20);
    // No data: falls back to slots, with a warning.
    const empty = planClusterRebalance(snapshot, {
      by: 'memory',
      bytesPerSlot: new Float64Array(16384),
    });
    expect(empty.by).toBe('slots');
    expect(empty.warnings.join()).toMatch(/balanced by slots/);
  });
});

describe('planSlotFixes', () => {
  it('resumes moves toward a known target and closes the rest', () => {
    const snapshot = snapshotOf([
      { n: 1, slots: '0-5460', extra: `[10->-${id(4)}] [11->-${id(9)}]` },
      { n: 2, slots: '5461-10922' },
      { n: 3, slots: '10923-16383', extra: `[12-<-${id(1)}]` },
      { n: 4, slots: '', extra: `[10-<-${id(1)}] [13-<-${id(1)}]` },
      { n: 5, slots: '', extra: `[13-<-${id(1)}]` },
    ]);
    const keys = new Map([
      [
        id(1),
        new Map([
          [10, 3],
          [11, 1],
          [12, 2],
          [13, 0],
        ]),
      ],
      [id(5), new Map([[13, 1]])],
    ]);
    const fixes = new Map(planSlotFixes(snapshot, keys).map((fix) => [fix.slot, fix]));
    expect(fixes.get(10)).toMatchObject({ action: 'resume', finalOwner: id(4), ownerKeys: 3 });
    expect(fixes.get(11)).toMatchObject({ action: 'close', finalOwner: id(1) }); // unknown target
    expect(fixes.get(12)).toMatchObject({ action: 'resume', finalOwner: id(3) }); // one importer
    expect(fixes.get(13)).toMatchObject({ action: 'close', strays: [{ node: id(5), keys: 1 }] });
  });
});
