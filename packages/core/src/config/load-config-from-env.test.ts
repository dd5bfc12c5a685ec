import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { type Environment, loadConfigFromEnv } from './load-config-from-env.js';
import { Secret } from './secret.js';

function issuesOf(env: Environment): ConfigIssue[] {
  try {
    loadConfigFromEnv(env);
  } catch (error) {
    if (ConfigError.isInstance(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function errorOf(env: Environment): ConfigError {
  try {
    loadConfigFromEnv(env);
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const directory = mkdtempSync(join(tmpdir(), 'redgrid-env-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const pem = (name: string): string => {
  const path = join(directory, name);
  writeFileSync(path, '-----BEGIN CERTIFICATE-----\n');
  return path;
};

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

describe('loadConfigFromEnv: sentinel', () => {
  it('reads REDIS_SENTINEL<n> pairs, the master name, db and delays', () => {
    const config = loadConfigFromEnv({
      REDIS_SENTINEL: 'true',
      REDIS_SENTINEL2_HOST: 's2',
      REDIS_SENTINEL2_PORT: '26380',
      REDIS_SENTINEL1_HOST: 's1',
      REDIS_SENTINEL1_PORT: '26379',
      REDIS_MASTER_NAME: 'orders',
      REDIS_DB: '1',
      REDIS_SENTINEL_RETRY_DELAY_ON_FAILOVER: '150',
      REDIS_SENTINEL_RETRY_DELAY_ON_CLUSTER_DOWN: '350',
    });
    expect(config).toMatchObject({
      type: 'sentinel',
      options: {
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        name: 'orders',
        db: 1,
        retryDelayOnFailoverMs: 150,
        retryDelayOnClusterDownMs: 350,
      },
    });
  });

  it('defaults the master name to mymaster', () => {
    const config = loadConfigFromEnv({
      REDIS_SENTINEL: 'true',
      REDIS_SENTINEL1_HOST: 's',
      REDIS_SENTINEL1_PORT: '26379',
    });
    expect(config.options).toMatchObject({
      name: 'mymaster',
      db: 0,
      retryDelayOnFailoverMs: 100,
      retryDelayOnClusterDownMs: 300,
    });
  });

  it('rejects a Sentinel group without Sentinels and a negative db', () => {
    expect(issuesOf({ REDIS_SENTINEL: 'true', REDIS_DB: '-1' })).toEqual([
      { variable: 'REDIS_DB', message: expect.stringContaining('must be an integer >= 0') },
      {
        variable: 'REDIS_SENTINEL1_HOST',
        message: expect.stringContaining('needs at least one Sentinel'),
      },
    ]);
  });
});

describe('loadConfigFromEnv: topology flags', () => {
  it('rejects REDIS_CLUSTER and REDIS_SENTINEL both true, and still reports the other problems', () => {
    const issues = issuesOf({
      REDIS_CLUSTER: 'true',
      REDIS_SENTINEL: '1',
      REDIS_NODE1_HOST: 'a',
      REDIS_NODE1_PORT: '0',
    });
    expect(issues).toEqual([
      { variable: 'REDIS_CLUSTER', message: expect.stringContaining('both true') },
      { variable: 'REDIS_NODE1_PORT', message: expect.stringContaining('from 1 to 65535') },
      {
        variable: 'REDIS_SENTINEL1_HOST',
        message: expect.stringContaining('needs at least one Sentinel'),
      },
    ]);
  });

  it('rejects a flag that is not a boolean', () => {
    expect(issuesOf({ REDIS_CLUSTER: 'on' })).toEqual([
      { variable: 'REDIS_CLUSTER', message: 'must be one of true, false, 1, 0, yes, no; got "on"' },
    ]);
  });
});

describe('loadConfigFromEnv: TLS', () => {
  it('turns TLS on with REDIS_TLS and reads the server name and verification flag', () => {
    expect(loadConfigFromEnv({ REDIS_TLS: 'true' }).options.tls).toEqual({
      rejectUnauthorized: true,
    });
    expect(
      loadConfigFromEnv({
        REDIS_TLS: 'true',
        REDIS_TLS_SERVERNAME: 'redis.example.com',
        REDIS_TLS_REJECT_UNAUTHORIZED: 'false',
      }).options.tls,
    ).toEqual({ servername: 'redis.example.com', rejectUnauthorized: false });
  });

  it('reads certificate paths and checks the files exist', () => {
    const ca = pem('ca.pem');
    const cert = pem('client.pem');
    const key = pem('client.key');
    expect(
      loadConfigFromEnv({
        REDIS_TLS: 'true',
        REDIS_TLS_CA: ca,
        REDIS_TLS_CERT: cert,
        REDIS_TLS_KEY: key,
      }).options.tls,
    ).toEqual({
      caPath: ca,
      certPath: cert,
      keyPath: key,
      rejectUnauthorized: true,
    });
    expect(issuesOf({ REDIS_TLS: 'true', REDIS_TLS_CA: join(directory, 'missing.pem') })).toEqual([
      { variable: 'REDIS_TLS_CA', message: expect.stringContaining('file not found') },
    ]);
  });

  it('names the missing half of a client certificate pair', () => {
    expect(issuesOf({ REDIS_TLS: 'true', REDIS_TLS_CERT: pem('only-cert.pem') })).toEqual([
      {
        variable: 'REDIS_TLS_KEY',
        message:
          'a client certificate (REDIS_TLS_CERT) needs its private key; set REDIS_TLS_KEY too',
      },
    ]);
    expect(
      issuesOf({ REDIS_TLS: 'true', REDIS_TLS_KEY: pem('only-key.pem') }).map(
        (issue) => issue.variable,
      ),
    ).toEqual(['REDIS_TLS_CERT']);
  });

  it('turns TLS on when REDIS_TLS is unset but a REDIS_TLS_* variable is set, and off when REDIS_TLS=false', () => {
    const ca = pem('implied.pem');
    expect(loadConfigFromEnv({ REDIS_TLS_CA: ca }).options.tls).toEqual({
      caPath: ca,
      rejectUnauthorized: true,
    });
    expect(
      loadConfigFromEnv({ REDIS_TLS: 'false', REDIS_TLS_CA: '/missing/is/ignored' }).options.tls,
    ).toBeUndefined();
  });

  it('rejects REDIS_TLS=false with a rediss:// URL', () => {
    expect(issuesOf({ REDIS_TLS: 'false', REDIS_URL: 'rediss://h' })).toEqual([
      { variable: 'REDIS_TLS', message: expect.stringContaining('rediss://') },
    ]);
  });

  it('applies TLS to clusters and Sentinel groups too', () => {
    const config = loadConfigFromEnv({
      REDIS_CLUSTER: 'true',
      REDIS_NODE1_HOST: 'a',
      REDIS_NODE1_PORT: '1',
      REDIS_TLS: 'yes',
    });
    expect(config.options.tls).toEqual({ rejectUnauthorized: true });
  });
});

describe('loadConfigFromEnv: secrets', () => {
  it('keeps passwords out of every printed form of the config and of the error', () => {
    const config = loadConfigFromEnv({ REDIS_URL: 'redis://app:hunter2@h:1/0' });
    expect(Secret.isInstance(config.options.password)).toBe(true);
    for (const text of [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(config.options.password),
    ]) {
      expect(text).not.toContain('hunter2');
    }
    const error = errorOf({
      REDIS_URL: 'redis://app:hunter2@h:99999/x',
      REDIS_PASSWORD: 'hunter3',
      REDIS_PORT: 'hunter4',
    });
    for (const text of [error.message, inspect(error), JSON.stringify(error), String(error)]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('hunter3');
    }
  });

  it('defaults env to process.env', () => {
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('REDIS_')) vi.stubEnv(name, '');
    }
    vi.stubEnv('REDIS_HOST', 'from-process-env');
    try {
      expect(loadConfigFromEnv().options).toMatchObject({ host: 'from-process-env' });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('loadConfigFromEnv: write fence and replica reads', () => {
  it('reads REDIS_WAIT_REPLICAS and REDIS_WAIT_TIMEOUT on every topology', () => {
    const config = loadConfigFromEnv({ REDIS_WAIT_REPLICAS: '1', REDIS_WAIT_TIMEOUT: '250' });
    expect(config.options).toMatchObject({ waitReplicas: 1, waitTimeoutMs: 250 });
    const sentinel = loadConfigFromEnv({
      REDIS_SENTINEL: 'true',
      REDIS_SENTINEL1_HOST: 's',
      REDIS_SENTINEL1_PORT: '26379',
      REDIS_WAIT_REPLICAS: '2',
    });
    expect(sentinel.options).toMatchObject({ waitReplicas: 2, waitTimeoutMs: 1_000 });
  });

  it('rejects a fence timeout that does not fit in the command deadline, naming both variables', () => {
    expect(
      issuesOf({
        REDIS_WAIT_REPLICAS: '1',
        REDIS_WAIT_TIMEOUT: '5000',
        REDIS_COMMAND_TIMEOUT: '5000',
      }),
    ).toEqual([
      { variable: 'REDIS_WAIT_TIMEOUT', message: expect.stringContaining('shorter than') },
    ]);
    expect(issuesOf({ REDIS_WAIT_REPLICAS: '-1', REDIS_WAIT_TIMEOUT: '0' })).toEqual([
      { variable: 'REDIS_WAIT_REPLICAS', message: expect.stringContaining('integer >= 0') },
      { variable: 'REDIS_WAIT_TIMEOUT', message: expect.stringContaining('>= 1') },
    ]);
    // Without a deadline, any fence timeout fits.
    expect(
      loadConfigFromEnv({
        REDIS_WAIT_REPLICAS: '1',
        REDIS_WAIT_TIMEOUT: '9000',
        REDIS_COMMAND_TIMEOUT: '0',
      }).options,
    ).toMatchObject({ waitTimeoutMs: 9_000 });
  });

  it('reads REDIS_READ_FROM for Sentinel and cluster, and rejects it for a single server', () => {
    const sentinel = loadConfigFromEnv({
      REDIS_SENTINEL: 'true',
      REDIS_SENTINEL1_HOST: 's',
      REDIS_SENTINEL1_PORT: '26379',
      REDIS_READ_FROM: 'Prefer-Replica',
    });
    expect(sentinel.options).toMatchObject({ readFrom: 'prefer-replica' });
    const cluster = loadConfigFromEnv({
      REDIS_CLUSTER: 'true',
      REDIS_NODE1_HOST: 'n',
      REDIS_NODE1_PORT: '7000',
      REDIS_READ_FROM: 'replica',
    });
    expect(cluster.options).toMatchObject({ readFrom: 'replica', scaleReads: 'master' });
    expect(issuesOf({ REDIS_READ_FROM: 'replica' })).toEqual([
      { variable: 'REDIS_READ_FROM', message: expect.stringContaining('REDIS_SENTINEL=true') },
    ]);
    expect(loadConfigFromEnv({ REDIS_READ_FROM: 'master' }).type).toBe('single');
  });

  it('rejects an unknown REDIS_READ_FROM and a conflict with REDIS_CLUSTER_SCALE_READS', () => {
    const base = { REDIS_CLUSTER: 'true', REDIS_NODE1_HOST: 'n', REDIS_NODE1_PORT: '7000' };
    expect(issuesOf({ ...base, REDIS_READ_FROM: 'slaves' })).toEqual([
      { variable: 'REDIS_READ_FROM', message: expect.stringContaining("'prefer-replica'") },
    ]);
    expect(
      issuesOf({ ...base, REDIS_READ_FROM: 'replica', REDIS_CLUSTER_SCALE_READS: 'slave' }),
    ).toEqual([{ variable: 'REDIS_READ_FROM', message: expect.stringContaining('not both') }]);
  });
});

describe('loadConfigFromEnv: memory watch', () => {
  it('reads REDIS_MEMORY_WARN_RATIO as a number in (0, 1]', () => {
    expect(loadConfigFromEnv({ REDIS_MEMORY_WARN_RATIO: '0.75' }).options.memoryWarnRatio).toBe(
      0.75,
    );
    expect(loadConfigFromEnv({ REDIS_MEMORY_WARN_RATIO: '1' }).options.memoryWarnRatio).toBe(1);
    for (const bad of ['0', '1.5', 'high', '-0.2']) {
      expect(issuesOf({ REDIS_MEMORY_WARN_RATIO: bad })).toEqual([
        { variable: 'REDIS_MEMORY_WARN_RATIO', message: expect.stringContaining('at most 1') },
      ]);
    }
  });
});

describe('loadConfigFromEnv: audit log', () => {
  it('reads REDIS_AUDIT, REDIS_AUDIT_WRITES and REDIS_AUDIT_KEYS', () => {
    expect(
      loadConfigFromEnv({
        REDIS_AUDIT: 'true',
        REDIS_AUDIT_WRITES: 'yes',
        REDIS_AUDIT_KEYS: 'PLAIN',
      }).options,
    ).toMatchObject({ audit: true, auditWrites: true, auditKeys: 'plain' });
    expect(issuesOf({ REDIS_AUDIT_KEYS: 'md5' })).toEqual([
      { variable: 'REDIS_AUDIT_KEYS', message: expect.stringContaining("'hash' or 'plain'") },
    ]);
  });
});
