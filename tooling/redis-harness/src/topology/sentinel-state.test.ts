import { describe, expect, it } from 'vitest';
import { checkSentinelViews, type SentinelView, type ServerView } from './sentinel-state.js';

const replicaEntry = (port: number, overrides: Record<string, string> = {}) => ({
  ip: '127.0.0.1',
  port: String(port),
  flags: 'slave',
  'master-link-status': 'ok',
  'master-port': '7000',
  ...overrides,
});

function sentinel(index: number, overrides: Partial<SentinelView> = {}): SentinelView {
  return {
    label: `sentinel-${index} (127.0.0.1:${26378 + index})`,
    masterPort: 7000,
    master: { name: 'mymaster', flags: 'master', 'num-other-sentinels': '2' },
    replicas: [replicaEntry(7001), replicaEntry(7002)],
    ...overrides,
  };
}

const master: ServerView = {
  label: 'server-1 (127.0.0.1:7000)',
  port: 7000,
  replication: { role: 'master' },
};
const replica = (port: number, overrides: Record<string, string> = {}): ServerView => ({
  label: `server-${port - 6999} (127.0.0.1:${port})`,
  port,
  replication: {
    role: 'slave',
    master_port: '7000',
    master_link_status: 'up',
    master_sync_in_progress: '0',
    ...overrides,
  },
});

const sentinels = [sentinel(1), sentinel(2), sentinel(3)];
const servers = [master, replica(7001), replica(7002)];

describe('checkSentinelViews', () => {
  it('accepts agreeing sentinels that see both replicas in sync', () => {
    expect(checkSentinelViews(sentinels, servers, 3)).toBeUndefined();
  });

  it('waits for sentinels to agree on the master and to know each other', () => {
    expect(
      checkSentinelViews([sentinel(1), sentinel(2, { masterPort: 7001 })], servers, 3),
    ).toMatch(/sentinel-2 .* reports master port 7001/);
    expect(
      checkSentinelViews(
        [sentinel(1, { master: { flags: 'master', 'num-other-sentinels': '1' } })],
        servers,
        3,
      ),
    ).toMatch(/num-other-sentinels 1 \(want 2\)/);
    expect(
      checkSentinelViews(
        [sentinel(1, { master: { flags: 'master,s_down,o_down', 'num-other-sentinels': '2' } })],
        servers,
        3,
      ),
    ).toMatch(/master flags master,s_down,o_down/);
  });

  it('waits for the replicas: link up, first sync done, listed by every sentinel', () => {
    expect(
      checkSentinelViews(
        sentinels,
        [master, replica(7001, { master_link_status: 'down' }), replica(7002)],
        3,
      ),
    ).toBe('server-2 (127.0.0.1:7001): master_link_status:down');
    expect(
      checkSentinelViews(
        sentinels,
        [master, replica(7001, { master_sync_in_progress: '1' }), replica(7002)],
        3,
      ),
    ).toMatch(/first sync in progress/);
    expect(
      checkSentinelViews([sentinel(1, { replicas: [replicaEntry(7001)] })], servers, 3),
    ).toMatch(/does not list replica server-3/);
    expect(
      checkSentinelViews(
        [
          sentinel(1, {
            replicas: [replicaEntry(7001), replicaEntry(7002, { flags: 'slave,s_down' })],
          }),
        ],
        servers,
        3,
      ),
    ).toMatch(/sees replica server-3 .* as flags:slave,s_down/);
  });

  it('requires the reported master to be serving and to say role:master', () => {
    expect(checkSentinelViews(sentinels, [replica(7001), replica(7002)], 3)).toMatch(
      /7000 is not serving/,
    );
    expect(
      checkSentinelViews(sentinels, [{ ...master, replication: { role: 'slave' } }], 3),
    ).toMatch(/reported as master but says role:slave/);
  });

  it('ignores data nodes that are not serving (a killed old master)', () => {
    expect(checkSentinelViews(sentinels, [master, replica(7001)], 3)).toBeUndefined();
  });
});
