import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it, onTestFinished } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { defineConfig } from './define-config.js';
import type { ClusterOptions, RedisConfig, RedisConfigInput } from './redis-config.js';
import { Secret } from './secret.js';

function issuesOf(input: unknown): { variable: string; message: string }[] {
  try {
    defineConfig(input as RedisConfigInput);
  } catch (error) {
    if (ConfigError.isInstance(error)) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const commonDefaults = {
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
};

describe('defineConfig', () => {
  it('applies every default of a single server, with or without options', () => {
    const expected = {
      type: 'single',
      options: { ...commonDefaults, host: 'localhost', port: 6379, db: 0 },
    };
    expect(defineConfig({ type: 'single' })).toEqual(expected);
    expect(defineConfig({ type: 'single', options: {} })).toEqual(expected);
  });

  it('applies the cluster defaults and keeps the nodes in order', () => {
    const nodes = [
      { host: 'b', port: 7001 },
      { host: 'a', port: 7000 },
    ];
    const config = defineConfig({ type: 'cluster', options: { nodes } });
    expectTypeOf(config.options).toEqualTypeOf<ClusterOptions>();
    expect(config).toEqual({
      type: 'cluster',
      options: {
        ...commonDefaults,
        nodes,
        scaleReads: 'master',
        maxRedirections: 16,
        retryDelayOnClusterDownMs: 300,
        retryDelayOnFailoverMs: 100,
        enableOfflineQueue: true,
        autoPipelining: false,
      },
    });
  });

  it('applies the sentinel defaults', () => {
    const config = defineConfig({
      type: 'sentinel',
      options: { sentinels: [{ host: 's1', port: 26379 }] },
    });
    expect(config.options).toEqual({
      ...commonDefaults,
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      db: 0,
      retryDelayOnFailoverMs: 100,
      retryDelayOnClusterDownMs: 300,
      readFrom: 'master',
    });
  });

  it('keeps explicit values, including null retries and 0 command timeout', () => {
    const config = defineConfig({
      type: 'single',
      options: {
        host: 'redis.internal',
        port: 6380,
        db: 3,
        maxRetriesPerRequest: null,
        commandTimeoutMs: 0,
        family: 6,
        keepAlive: false,
        connectionName: 'taskflow-api',
      },
    });
    expect(config.options).toMatchObject({
      host: 'redis.internal',
      port: 6380,
      db: 3,
      maxRetriesPerRequest: null,
      commandTimeoutMs: 0,
      family: 6,
      keepAlive: false,
      connectionName: 'taskflow-api',
    });
  });

  it('wraps passwords and keys in Secret, accepts Secrets as they are, and drops empty ones', () => {
    const key = new Secret('-----BEGIN PRIVATE KEY-----');
    const config = defineConfig({
      type: 'sentinel',
      options: {
        sentinels: [{ host: 's', port: 1 }],
        password: 'hunter2',
        sentinelPassword: 'sentinel-pass',
        username: '',
        tls: { cert: '-----BEGIN CERTIFICATE-----', key },
      },
    });
    expect(Secret.isInstance(config.options.password)).toBe(true);
    expect(config.options.password?.reveal()).toBe('hunter2');
    expect(config.options.sentinelPassword?.reveal()).toBe('sentinel-pass');
    expect(config.options.tls?.key).toBe(key);
    expect('username' in config.options).toBe(false);
    const printed = [
      JSON.stringify(config),
      inspect(config, { depth: 10 }),
      String(config.options.password),
    ];
    for (const text of printed) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('sentinel-pass');
      expect(text).not.toContain('PRIVATE KEY');
    }
    expect(
      defineConfig({ type: 'single', options: { password: '' } }).options.password,
    ).toBeUndefined();
  });

  it('turns tls: true into TLS with verification, tls: false into none', () => {
    expect(defineConfig({ type: 'single', options: { tls: true } }).options.tls).toEqual({
      rejectUnauthorized: true,
    });
    expect('tls' in defineConfig({ type: 'single', options: { tls: false } }).options).toBe(false);
  });

  it('checks that TLS files exist and are files', () => {
    const directory = mkdtempSync(join(tmpdir(), 'redgrid-tls-'));
    onTestFinished(() => rmSync(directory, { recursive: true, force: true }));
    const ca = join(directory, 'ca.pem');
    writeFileSync(ca, 'pem');
    expect(defineConfig({ type: 'single', options: { tls: { caPath: ca } } }).options.tls).toEqual({
      caPath: ca,
      rejectUnauthorized: true,
    });
    expect(
      issuesOf({ type: 'single', options: { tls: { caPath: join(directory, 'missing.pem') } } }),
    ).toEqual([
      { variable: 'options.tls.caPath', message: expect.stringContaining('file not found') },
    ]);
    expect(issuesOf({ type: 'single', options: { tls: { caPath: directory } } })).toEqual([
      { variable: 'options.tls.caPath', message: expect.stringContaining('not a regular file') },
    ]);
  });

  it('requires a client certificate and its key together, and one form of each', () => {
    expect(issuesOf({ type: 'single', options: { tls: { cert: 'c' } } })).toEqual([
      {
        variable: 'options.tls.keyPath',
        message: expect.stringContaining('needs its private key'),
      },
    ]);
    expect(issuesOf({ type: 'single', options: { tls: { key: 'k' } } })).toEqual([
      {
        variable: 'options.tls.certPath',
        message: expect.stringContaining('needs its certificate'),
      },
    ]);
    expect(
      issuesOf({
        type: 'single',
        options: { tls: { ca: 'a', caPath: '/etc/hostname-does-not-matter' } },
      }),
    ).toContainEqual({
      variable: 'options.tls.ca',
      message: 'set either ca (inline PEM) or caPath (a file), not both',
    });
  });

  it('reports every problem at once, by option path', () => {
    const issues = issuesOf({
      type: 'cluster',
      options: {
        nodes: [
          { host: 'a', port: 0 },
          { host: '', port: 70_000 },
          { host: 'c', port: 1.5 },
        ],
        scaleReads: 'replica',
        maxRedirections: -1,
        family: 5,
        keepAlive: 'yes',
        connectionName: 'has space',
      },
    });
    expect(issues.map((issue) => issue.variable).sort()).toEqual(
      [
        'options.nodes[0].port',
        'options.nodes[1].host',
        'options.nodes[1].port',
        'options.nodes[2].port',
        'options.scaleReads',
        'options.maxRedirections',
        'options.family',
        'options.keepAlive',
        'options.connectionName',
      ].sort(),
    );
    expect(issues.find((issue) => issue.variable === 'options.nodes[0].port')?.message).toBe(
      'must be an integer from 1 to 65535 (a TCP port)',
    );
  });

  it('rejects an unknown type, a missing options object and non-objects', () => {
    expect(issuesOf({ type: 'redis' })).toEqual([
      { variable: 'type', message: "must be 'single', 'cluster' or 'sentinel'" },
    ]);
    expect(issuesOf({})).toEqual([
      { variable: 'type', message: "must be 'single', 'cluster' or 'sentinel'" },
    ]);
    expect(issuesOf(null)[0]?.variable).toBe('config');
    expect(issuesOf({ type: 'cluster' })[0]?.variable).toBe('options');
  });

  it('rejects empty node and sentinel lists', () => {
    expect(issuesOf({ type: 'cluster', options: { nodes: [] } })).toEqual([
      { variable: 'options.nodes', message: 'needs at least one seed node { host, port }' },
    ]);
    expect(issuesOf({ type: 'sentinel', options: { sentinels: [] } })[0]?.variable).toBe(
      'options.sentinels',
    );
  });

  it('names unknown options, with a suggestion or the topology they belong to', () => {
    const issues = issuesOf({
      type: 'cluster',
      options: {
        nodes: [{ host: 'a', port: 1 }],
        db: 1,
        commandTimeout: 5,
        colour: 'red',
        sentinels: [],
      },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          variable: 'options.db',
          message: expect.stringContaining("belongs to type 'single' or 'sentinel'"),
        },
        {
          variable: 'options.commandTimeout',
          message: expect.stringContaining('did you mean commandTimeoutMs?'),
        },
        {
          variable: 'options.colour',
          message: 'is not a known option; remove it or check the spelling',
        },
        {
          variable: 'options.sentinels',
          message: expect.stringContaining("belongs to type 'sentinel'"),
        },
      ]),
    );
  });

  it('never puts a secret in the error', () => {
    try {
      defineConfig({
        type: 'single',
        options: {
          password: 'pa55-word-value',
          port: -1,
          tls: { key: 'PRIVATE', keyPath: '/nonexistent/key.pem' },
        },
      } as RedisConfigInput);
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      const text = `${String(error)} ${inspect(error)} ${JSON.stringify(error)}`;
      expect(text).not.toContain('PRIVATE');
      expect(text).not.toContain('pa55-word-value');
    }
  });

  it('narrows the result type by the input type', () => {
    expectTypeOf(defineConfig({ type: 'single' })).toEqualTypeOf<
      Extract<RedisConfig, { type: 'single' }>
    >();
  });
});
