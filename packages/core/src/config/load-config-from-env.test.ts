import { describe, expect, it } from 'vitest';
import { errorOf, issuesOf } from '../test-support/env-kit.js';
import { loadConfigFromEnv } from './load-config-from-env.js';

describe('loadConfigFromEnv: single', () => {
  it('gives the original design defaults for an empty environment', () => {
    expect(loadConfigFromEnv({})).toEqual({
      type: 'single',
      options: {
        host: 'localhost',
        port: 6379,
        db: 0,
        connectTimeoutMs: 10_000,
        commandTimeoutMs: 5_000,
        family: 4,
        keepAlive: true,
        noDelay: true,
        enableReadyCheck: true,
        maxRetriesPerRequest: 3,
        lazyConnect: true,
        maxLoadingTimeoutMs: 10_000,
        waitReplicas: 0,
        waitTimeoutMs: 1_000,
        autoPipelining: true,
        memoryWarnRatio: 0.9,
        audit: false,
        auditWrites: false,
        auditKeys: 'hash',
      },
    });
  });

  it('reads every common variable', () => {
    const config = loadConfigFromEnv({
      REDIS_HOST: 'redis.internal',
      REDIS_PORT: '6380',
      REDIS_DB: '2',
      REDIS_USERNAME: 'app',
      REDIS_PASSWORD: 'hunter2',
      REDIS_CONNECT_TIMEOUT: '2000',
      REDIS_COMMAND_TIMEOUT: '0',
      REDIS_FAMILY: '6',
      REDIS_KEEP_ALIVE: 'no',
      REDIS_NO_DELAY: '0',
      REDIS_CONNECTION_NAME: 'taskflow-app',
      REDIS_ENABLE_READY_CHECK: 'FALSE',
      REDIS_MAX_RETRIES_PER_REQUEST: 'null',
      REDIS_LAZY_CONNECT: ' Yes ',
      REDIS_MAX_LOADING_TIMEOUT: '500',
      REDIS_AUTO_PIPELINING: 'false',
    });
    expect(config.type).toBe('single');
    expect(config.options).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      db: 2,
      username: 'app',
      connectTimeoutMs: 2000,
      commandTimeoutMs: 0,
      family: 6,
      keepAlive: false,
      noDelay: false,
      connectionName: 'taskflow-app',
      enableReadyCheck: false,
      maxRetriesPerRequest: null,
      lazyConnect: true,
      maxLoadingTimeoutMs: 500,
      autoPipelining: false,
    });
    expect(config.options.password?.reveal()).toBe('hunter2');
  });

  it('accepts every boolean spelling in any case', () => {
    for (const [text, value] of [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['No', false],
    ] as const) {
      expect(loadConfigFromEnv({ REDIS_KEEP_ALIVE: text }).options.keepAlive).toBe(value);
    }
  });

  it('treats empty variables as unset', () => {
    const config = loadConfigFromEnv({
      REDIS_HOST: '',
      REDIS_PASSWORD: '',
      REDIS_PORT: '  ',
      REDIS_CLUSTER: '',
    });
    expect(config.type).toBe('single');
    expect(config.options).toMatchObject({ host: 'localhost', port: 6379 });
    expect('password' in config.options).toBe(false);
  });

  it('keeps the password exactly as written (spaces included)', () => {
    expect(loadConfigFromEnv({ REDIS_PASSWORD: ' pass word ' }).options.password?.reveal()).toBe(
      ' pass word ',
    );
  });

  it.each([
    ['redis://localhost', { host: 'localhost', port: 6379, db: 0 }, undefined, undefined],
    [
      'redis://cache.internal:6380/4',
      { host: 'cache.internal', port: 6380, db: 4 },
      undefined,
      undefined,
    ],
    ['redis://:s3cret@h', { host: 'h' }, undefined, 's3cret'],
    [
      'redis://app:p%40ss%3Aword@h:1/0',
      { host: 'h', port: 1, db: 0, username: 'app' },
      undefined,
      'p@ss:word',
    ],
    [
      'rediss://u:p@[::1]:6390/15',
      { host: '::1', port: 6390, db: 15, username: 'u' },
      { rejectUnauthorized: true },
      'p',
    ],
    ['redis://h/', { host: 'h', db: 0 }, undefined, undefined],
  ])('reads REDIS_URL %s', (url, expected, tls, password) => {
    const config = loadConfigFromEnv({ REDIS_URL: url });
    expect(config.type).toBe('single');
    expect(config.options).toMatchObject(expected);
    if (config.type !== 'single') return;
    expect(config.options.tls).toEqual(tls);
    expect(config.options.password?.reveal()).toBe(password);
  });

  it('lets REDIS_URL and explicit variables agree, and rejects conflicts without echoing secrets', () => {
    const agreed = loadConfigFromEnv({
      REDIS_URL: 'redis://:pw@h:7000',
      REDIS_HOST: 'h',
      REDIS_PORT: '7000',
      REDIS_PASSWORD: 'pw',
    });
    expect(agreed.options).toMatchObject({ host: 'h', port: 7000 });
    const error = errorOf({
      REDIS_URL: 'redis://:url-secret@h:7000/1',
      REDIS_HOST: 'other',
      REDIS_PASSWORD: 'env-secret',
      REDIS_DB: '2',
    });
    expect(error.issues.map((issue) => issue.variable)).toEqual([
      'REDIS_DB',
      'REDIS_HOST',
      'REDIS_PASSWORD',
    ]);
    expect(error.message).not.toContain('url-secret');
    expect(error.message).not.toContain('env-secret');
  });

  it.each([
    ['not a url', 'is not a valid URL'],
    ['http://h:1', 'has scheme "http:"'],
    ['redis://h/x', 'must be a database number'],
    ['redis://:%zz@h', 'malformed %-escape'],
  ])('rejects REDIS_URL %s', (url, message) => {
    const error = errorOf({ REDIS_URL: url.replace('h', 'h') });
    expect(error.issues).toEqual([
      { variable: 'REDIS_URL', message: expect.stringContaining(message) },
    ]);
  });

  it('names REDIS_URL for an out-of-range port in the URL', () => {
    expect(issuesOf({ REDIS_URL: 'redis://h:0' })).toEqual([
      {
        variable: 'REDIS_URL',
        message: 'must be an integer from 1 to 65535 (a TCP port); got "0"',
      },
    ]);
  });

  it('reports every bad variable at once, by name, with the fix', () => {
    const issues = issuesOf({
      REDIS_PORT: '70000',
      REDIS_DB: '-1',
      REDIS_CONNECT_TIMEOUT: '10s',
      REDIS_FAMILY: '5',
      REDIS_KEEP_ALIVE: 'maybe',
      REDIS_MAX_RETRIES_PER_REQUEST: 'many',
      REDIS_CONNECTION_NAME: 'two words',
    });
    expect(issues).toEqual([
      {
        variable: 'REDIS_CONNECTION_NAME',
        message:
          'must be printable ASCII without spaces (Redis rejects other client names); got "two words"',
      },
      {
        variable: 'REDIS_CONNECT_TIMEOUT',
        message: 'must be an integer number of milliseconds >= 1; got "10s"',
      },
      {
        variable: 'REDIS_DB',
        message: 'must be an integer >= 0 (a database index; Redis has 0-15 by default); got "-1"',
      },
      { variable: 'REDIS_FAMILY', message: 'must be 4 (IPv4) or 6 (IPv6); got "5"' },
      {
        variable: 'REDIS_KEEP_ALIVE',
        message: 'must be one of true, false, 1, 0, yes, no; got "maybe"',
      },
      {
        variable: 'REDIS_MAX_RETRIES_PER_REQUEST',
        message: 'must be an integer >= 0, or null to retry forever; got "many"',
      },
      {
        variable: 'REDIS_PORT',
        message: 'must be an integer from 1 to 65535 (a TCP port); got "70000"',
      },
    ]);
  });

  it.each(['abc', '0', '65536', '-1', '1.5', '1e3'])('rejects REDIS_PORT=%s', (port) => {
    expect(issuesOf({ REDIS_PORT: port }).map((issue) => issue.variable)).toEqual(['REDIS_PORT']);
  });

  it('ignores the variables of other topologies', () => {
    const config = loadConfigFromEnv({
      REDIS_NODE1_HOST: 'n1',
      REDIS_NODE1_PORT: 'not-a-port',
      REDIS_SENTINEL1_HOST: 's1',
      REDIS_CLUSTER_SCALE_READS: 'bogus',
      REDIS_MASTER_NAME: 'other',
    });
    expect(config).toMatchObject({ type: 'single', options: { host: 'localhost' } });
  });
});

describe('loadConfigFromEnv: cluster', () => {
  it('reads REDIS_NODE<n> pairs for any n, sorted numerically, and the cluster options', () => {
    const config = loadConfigFromEnv({
      REDIS_CLUSTER: 'true',
      REDIS_NODE10_HOST: 'n10',
      REDIS_NODE10_PORT: '7010',
      REDIS_NODE2_HOST: 'n2',
      REDIS_NODE2_PORT: '7002',
      REDIS_NODE1_HOST: 'n1',
      REDIS_NODE1_PORT: '7001',
      REDIS_CLUSTER_SCALE_READS: 'Slave',
      REDIS_CLUSTER_MAX_REDIRECTIONS: '4',
      REDIS_CLUSTER_RETRY_DELAY_ON_CLUSTER_DOWN: '500',
      REDIS_CLUSTER_RETRY_DELAY_ON_FAILOVER: '250',
      REDIS_CLUSTER_ENABLE_OFFLINE_QUEUE: 'no',
      REDIS_PASSWORD: 'pw',
      REDIS_HOST: 'ignored',
      REDIS_URL: 'redis://ignored',
    });
    expect(config.type).toBe('cluster');
    if (config.type !== 'cluster') return;
    expect(config.options.nodes).toEqual([
      { host: 'n1', port: 7001 },
      { host: 'n2', port: 7002 },
      { host: 'n10', port: 7010 },
    ]);
    expect(config.options).toMatchObject({
      scaleReads: 'slave',
      maxRedirections: 4,
      retryDelayOnClusterDownMs: 500,
      retryDelayOnFailoverMs: 250,
      enableOfflineQueue: false,
    });
    expect(config.options.password?.reveal()).toBe('pw');
    expect('host' in config.options).toBe(false);
  });

  it('defaults the cluster options', () => {
    const config = loadConfigFromEnv({
      REDIS_CLUSTER: '1',
      REDIS_NODE1_HOST: 'a',
      REDIS_NODE1_PORT: '7000',
    });
    expect(config.options).toMatchObject({
      scaleReads: 'master',
      maxRedirections: 16,
      retryDelayOnClusterDownMs: 300,
      retryDelayOnFailoverMs: 100,
      enableOfflineQueue: true,
    });
  });

  it('rejects a cluster without nodes', () => {
    expect(issuesOf({ REDIS_CLUSTER: 'true' })).toEqual([
      { variable: 'REDIS_NODE1_HOST', message: expect.stringContaining('needs at least one node') },
    ]);
  });

  it('rejects half-given nodes, bad ports and an unknown scale-reads value', () => {
    expect(
      issuesOf({
        REDIS_CLUSTER: 'true',
        REDIS_NODE1_HOST: 'a',
        REDIS_NODE1_PORT: '7000',
        REDIS_NODE3_HOST: 'c',
        REDIS_NODE4_PORT: '7004',
        REDIS_NODE5_HOST: 'e',
        REDIS_NODE5_PORT: '99999',
        REDIS_CLUSTER_SCALE_READS: 'replica',
      }),
    ).toEqual([
      {
        variable: 'REDIS_CLUSTER_SCALE_READS',
        message: "must be 'master', 'slave' or 'all'; got \"replica\"",
      },
      {
        variable: 'REDIS_NODE3_PORT',
        message:
          "missing: REDIS_NODE3_HOST is set, so set REDIS_NODE3_PORT to the node's TCP port too",
      },
      { variable: 'REDIS_NODE4_HOST', message: expect.stringContaining('REDIS_NODE4_PORT is set') },
      {
        variable: 'REDIS_NODE5_PORT',
        message: 'must be an integer from 1 to 65535 (a TCP port); got "99999"',
      },
    ]);
  });

  it('does not add "no nodes" when the only node is incomplete', () => {
    expect(
      issuesOf({ REDIS_CLUSTER: 'yes', REDIS_NODE1_HOST: 'a' }).map((issue) => issue.variable),
    ).toEqual(['REDIS_NODE1_PORT']);
  });
});
