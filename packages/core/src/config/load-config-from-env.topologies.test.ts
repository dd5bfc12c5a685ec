import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { errorOf, issuesOf } from '../test-support/env-kit.js';
import { loadConfigFromEnv } from './load-config-from-env.js';
import { Secret } from './secret.js';

const directory = mkdtempSync(join(tmpdir(), 'redgrid-env-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const pem = (name: string): string => {
  const path = join(directory, name);
  writeFileSync(path, '-----BEGIN CERTIFICATE-----\n');
  return path;
};

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
