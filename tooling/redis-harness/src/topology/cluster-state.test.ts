import { describe, expect, it } from 'vitest';
import {
  type ClusterNodeView,
  checkClusterViews,
  parseClusterNodes,
  slotRangeFor,
} from './cluster-state.js';

const nodesText = [
  'aaa 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460',
  'bbb 127.0.0.1:7001@17001 master - 0 1700000000000 2 connected 5461-10922 [10923->-ccc]',
  'ccc 127.0.0.1:7002@17002,host-c master - 0 1700000000000 3 connected 10923-16383',
  'ddd 127.0.0.1:7003@17003 slave aaa 0 1700000000000 1 connected',
  '',
].join('\n');

describe('parseClusterNodes', () => {
  it('reads ids, addresses, flags, masters and slots (without migration markers)', () => {
    const entries = parseClusterNodes(nodesText);
    expect(entries).toHaveLength(4);
    expect(entries[0]).toEqual({
      id: 'aaa',
      host: '127.0.0.1',
      port: 7000,
      flags: ['myself', 'master'],
      masterId: undefined,
      linkState: 'connected',
      slots: ['0-5460'],
    });
    expect(entries[1]?.slots).toEqual(['5461-10922']);
    expect(entries[2]?.port).toBe(7002);
    expect(entries[3]).toMatchObject({ flags: ['slave'], masterId: 'aaa', slots: [] });
  });
});

describe('slotRangeFor', () => {
  it('splits 16384 slots evenly and completely', () => {
    expect([0, 1, 2].map((index) => slotRangeFor(index, 3))).toEqual([
      [0, 5460],
      [5461, 10921],
      [10922, 16383],
    ]);
    expect(slotRangeFor(0, 1)).toEqual([0, 16383]);
  });
});

function entryLine(id: string, port: number, flags: string, master: string, slots: string): string {
  return `${id} 127.0.0.1:${port}@${port + 10000} ${flags} ${master} 0 0 1 connected ${slots}`.trim();
}

/** A healthy 2-node cluster (one master, one replica) as seen by `self`. */
function view(
  self: 'm' | 'r',
  overrides: Partial<ClusterNodeView> = {},
  extraFlags = '',
): ClusterNodeView {
  const lines = [
    entryLine('m', 7000, self === 'm' ? 'myself,master' : 'master', '-', '0-16383'),
    entryLine('r', 7001, `${self === 'r' ? 'myself,slave' : 'slave'}${extraFlags}`, 'm', ''),
  ];
  return {
    label: self === 'm' ? 'node-1 (127.0.0.1:7000)' : 'node-2 (127.0.0.1:7001)',
    port: self === 'm' ? 7000 : 7001,
    info: {
      cluster_state: 'ok',
      cluster_slots_assigned: '16384',
      cluster_slots_ok: '16384',
      cluster_known_nodes: '2',
    },
    nodes: parseClusterNodes(lines.join('\n')),
    replication:
      self === 'm'
        ? { role: 'master' }
        : { role: 'slave', master_link_status: 'up', master_sync_in_progress: '0' },
    ...overrides,
  };
}

describe('checkClusterViews', () => {
  it('accepts a cluster where every node agrees and replicas are in sync', () => {
    expect(checkClusterViews([view('m'), view('r')], 2)).toBeUndefined();
  });

  it('names the node and the reason when something is not ready', () => {
    const failing = view('m', { info: { ...view('m').info, cluster_state: 'fail' } });
    expect(checkClusterViews([failing, view('r')], 2)).toBe(
      'node-1 (127.0.0.1:7000): cluster_state:fail',
    );
    const missingSlots = view('m', { info: { ...view('m').info, cluster_slots_ok: '10000' } });
    expect(checkClusterViews([missingSlots], 2)).toMatch(/cluster_slots_ok:10000/);
    expect(checkClusterViews([view('m'), view('r')], 3)).toMatch(
      /cluster_known_nodes:2 \(want 3\)/,
    );
    const syncing = view('r', { replication: { role: 'slave', master_link_status: 'down' } });
    expect(checkClusterViews([view('m'), syncing], 2)).toBe(
      'node-2 (127.0.0.1:7001): replica with master_link_status:down',
    );
  });

  it('rejects a view that sees a serving node as failing', () => {
    const pfail = view('m', { nodes: view('m', {}, ',fail?').nodes });
    expect(checkClusterViews([pfail, view('r')], 2)).toBe(
      'node-1 (127.0.0.1:7000) sees 127.0.0.1:7001 as fail?',
    );
  });

  it('rejects nodes that disagree on the layout', () => {
    const promoted = parseClusterNodes(
      [
        entryLine('m', 7000, 'slave', 'r', ''),
        entryLine('r', 7001, 'myself,master', '-', '0-16383'),
      ].join('\n'),
    );
    const replicaView = view('r', { nodes: promoted, replication: { role: 'master' } });
    expect(checkClusterViews([view('m'), replicaView], 2)).toMatch(
      /disagree on the cluster layout/,
    );
  });

  it('ignores what nodes say about a node that is not serving (killed)', () => {
    const lines = [
      entryLine('m', 7000, 'master,fail', '-', ''),
      entryLine('r', 7001, 'myself,master', '-', '0-16383'),
    ];
    const survivor = view('r', {
      nodes: parseClusterNodes(lines.join('\n')),
      replication: { role: 'master' },
    });
    expect(checkClusterViews([survivor], 2)).toBeUndefined();
  });
});
