import { describe, expect, it } from 'vitest';
import { quoteConfigValue, renderSentinelConfig, renderServerConfig } from './render-config.js';

const material = {
  caPath: '/t/ca.crt',
  certPath: '/t/client.crt',
  keyPath: '/t/client.key',
  ca: '',
  cert: '',
  key: '',
  serverCertPath: '/t/server.crt',
  serverKeyPath: '/t/server.key',
};

describe('renderServerConfig', () => {
  it('binds loopback, keeps nothing on disk and syncs replicas without delay', () => {
    const lines = renderServerConfig({ port: 12000, dir: '/tmp/x' }).split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'port 12000',
        'bind 127.0.0.1',
        'save ""',
        'appendonly no',
        'repl-diskless-sync-delay 0',
        'logfile ""',
      ]),
    );
  });

  it('sets requirepass and masterauth, quoting, and ACL users with default rules', () => {
    const text = renderServerConfig({
      port: 1,
      dir: '/d',
      password: 'a "b" c',
      aclUsers: [
        { name: 'app', password: 'p w' },
        { name: 'ro', password: 'r', rules: '~* +@read' },
      ],
    });
    expect(text).toContain('requirepass "a \\"b\\" c"');
    expect(text).toContain('masterauth "a \\"b\\" c"');
    expect(text).toContain('user "app" on ">p w" ~* &* +@all');
    expect(text).toContain('user "ro" on ">r" ~* +@read');
  });

  it('serves TLS only (port 0) and uses TLS for replication and the cluster bus', () => {
    const text = renderServerConfig({
      port: 12000,
      dir: '/d',
      tls: { material, authClients: 'optional' },
      cluster: { nodeTimeoutMs: 1000, busPort: 22000 },
    });
    for (const line of [
      'port 0',
      'tls-port 12000',
      'tls-cert-file "/t/server.crt"',
      'tls-ca-cert-file "/t/ca.crt"',
      'tls-auth-clients optional',
      'tls-replication yes',
      'tls-cluster yes',
      'cluster-enabled yes',
      'cluster-node-timeout 1000',
      'cluster-port 22000',
    ]) {
      expect(text).toContain(`${line}\n`);
    }
  });

  it('adds replicaof and extra lines last', () => {
    const text = renderServerConfig({
      port: 2,
      dir: '/d',
      replicaOf: { host: '127.0.0.1', port: 1 },
      extraLines: ['maxmemory 1mb'],
    });
    expect(text.trimEnd().split('\n').slice(-2)).toEqual([
      'replicaof 127.0.0.1 1',
      'maxmemory 1mb',
    ]);
  });
});

describe('renderSentinelConfig', () => {
  it('monitors the master with short timeouts and the data nodes password', () => {
    const text = renderSentinelConfig({
      port: 26379,
      dir: '/d',
      masterName: 'mymaster',
      master: { host: '127.0.0.1', port: 6379 },
      quorum: 2,
      downAfterMs: 1000,
      failoverTimeoutMs: 5000,
      authPass: 'pw',
      sentinelPassword: 'spw',
    });
    expect(text).toContain('sentinel monitor mymaster 127.0.0.1 6379 2\n');
    expect(text).toContain('sentinel down-after-milliseconds mymaster 1000\n');
    expect(text).toContain('sentinel failover-timeout mymaster 5000\n');
    expect(text).toContain('sentinel auth-pass mymaster "pw"\n');
    expect(text).toContain('requirepass "spw"\n');
    expect(text).toContain('sentinel sentinel-pass "spw"\n');
  });
});

describe('quoteConfigValue', () => {
  it('escapes backslashes, quotes and newlines', () => {
    expect(quoteConfigValue('a\\b"c\nd')).toBe('"a\\\\b\\"c\\nd"');
  });
});
