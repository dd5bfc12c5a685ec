import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { defineSuite } from '../define-suite.js';

// GET/SET through `connection.client` (circuit breaker, deadline sweeper, metrics on every
// command) against plain ioredis. The headline is what each gives with its defaults: RedGrid
// from the environment alone (auto-pipelining on) against `new Redis({ host, port })`. The two
// like-for-like pairs show the guard's own cost: both without, and both with auto-pipelining.
// Each case alternates SET and GET on one key with a 100-byte value; 50 concurrent callers.
export const suite = defineSuite({
  name: 'connection-get-set',
  description: 'GET/SET: RedGrid defaults vs ioredis defaults, and like for like',
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const { host, port } = await context.redis();
    const value = 'v'.repeat(100);
    const env = { REDIS_HOST: host, REDIS_PORT: String(port) };

    const defaults = createConnection(loadConfigFromEnv(env));
    const unpipelined = createConnection(
      loadConfigFromEnv({ ...env, REDIS_AUTO_PIPELINING: 'false' }),
    );
    // The audit log on (admin acts and every write, keys hashed), lines to /dev/null through
    // pino: what an audited service pays per command.
    const sink = pino(pino.destination({ dest: '/dev/null', sync: false }));
    const audited = createConnection(
      loadConfigFromEnv({ ...env, REDIS_AUDIT: 'true', REDIS_AUDIT_WRITES: 'true' }),
      {
        logger: {
          debug: (details, message) => sink.debug(details, message),
          info: (details, message) => sink.info(details, message),
          warn: (details, message) => sink.warn(details, message),
          error: (details, message) => sink.error(details, message),
        },
      },
    );
    const raw = new Redis({ host, port });
    const rawPipelined = new Redis({ host, port, enableAutoPipelining: true });
    context.onTeardown(async () => {
      await Promise.all([raw.quit(), rawPipelined.quit()]);
      await Promise.all([defaults.close(), unpipelined.close(), audited.close()]);
    });
    await Promise.all([
      defaults.connect(),
      unpipelined.connect(),
      audited.connect(),
      raw.ping(),
      rawPipelined.ping(),
    ]);
    await raw.set('bench:key', value);

    const alternate = (client: Redis) => {
      let count = 0;
      return () => (++count & 1 ? client.set('bench:key', value) : client.get('bench:key'));
    };

    return {
      cases: [
        { name: 'ioredis GET/SET (its defaults)', baseline: true, fn: alternate(raw) },
        { name: 'redgrid GET/SET (env defaults)', fn: alternate(defaults.client as Redis) },
        { name: 'ioredis GET/SET auto-pipelining', fn: alternate(rawPipelined) },
        {
          name: 'redgrid GET/SET REDIS_AUTO_PIPELINING=false',
          fn: alternate(unpipelined.client as Redis),
        },
        {
          name: 'redgrid GET/SET REDIS_AUDIT=true REDIS_AUDIT_WRITES=true',
          fn: alternate(audited.client as Redis),
        },
      ],
      notes: (results) => {
        const find = (name: string) => results.find((result) => result.name === name);
        const ratio = (a: string, b: string) =>
          ((find(a)?.opsPerSecond ?? Number.NaN) / (find(b)?.opsPerSecond ?? Number.NaN)).toFixed(
            3,
          );
        const p99 = (name: string) => find(name)?.p99Us ?? Number.NaN;
        return [
          `defaults: redgrid/ioredis ${ratio('redgrid GET/SET (env defaults)', 'ioredis GET/SET (its defaults)')}x, p99 ${p99('redgrid GET/SET (env defaults)')} vs ${p99('ioredis GET/SET (its defaults)')} µs`,
          `like for like, no auto-pipelining: ${ratio('redgrid GET/SET REDIS_AUTO_PIPELINING=false', 'ioredis GET/SET (its defaults)')}x`,
          `like for like, auto-pipelining: ${ratio('redgrid GET/SET (env defaults)', 'ioredis GET/SET auto-pipelining')}x`,
          `audit log on (every write logged): ${ratio('redgrid GET/SET REDIS_AUDIT=true REDIS_AUDIT_WRITES=true', 'redgrid GET/SET (env defaults)')}x of the defaults`,
        ];
      },
    };
  },
});
