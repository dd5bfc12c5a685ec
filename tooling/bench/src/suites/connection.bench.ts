import { createConnection } from '@redgrid/connection';
import type { Redis } from 'ioredis';
import { defineSuite } from '../define-suite.js';

// GET/SET through `connection.client` (circuit breaker, deadline sweeper, metrics on every
// command) against raw ioredis with the very same options (`duplicate()` of the guarded client:
// a plain ioredis instance built from its options), without and with ioredis' auto-pipelining.
// Each case alternates SET and GET on one key with a 100-byte value; 50 concurrent callers.
export const suite = defineSuite({
  name: 'connection-get-set',
  description: 'GET/SET through connection.client vs raw ioredis with identical options',
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const { host, port } = await context.redis();
    const value = 'v'.repeat(100);

    const plain = createConnection({ type: 'single', options: { host, port } });
    const pipelined = createConnection(
      { type: 'single', options: { host, port } },
      { enableAutoPipelining: true },
    );
    const raw = plain.client.duplicate();
    const rawPipelined = pipelined.client.duplicate();
    context.onTeardown(async () => {
      await Promise.all([raw.quit(), rawPipelined.quit()]);
      await Promise.all([plain.close(), pipelined.close()]);
    });
    await Promise.all([
      plain.connect(),
      pipelined.connect(),
      raw.connect(),
      rawPipelined.connect(),
    ]);
    await raw.set('bench:key', value);

    const alternate = (client: Redis) => {
      let count = 0;
      return () => (++count & 1 ? client.set('bench:key', value) : client.get('bench:key'));
    };

    return {
      cases: [
        { name: 'ioredis GET/SET', baseline: true, fn: alternate(raw) },
        { name: 'redgrid GET/SET', fn: alternate(plain.client) },
        { name: 'ioredis GET/SET auto-pipelining', fn: alternate(rawPipelined) },
        { name: 'redgrid GET/SET auto-pipelining', fn: alternate(pipelined.client) },
      ],
      notes: (results) => {
        const ops = (name: string) =>
          results.find((result) => result.name === name)?.opsPerSecond ?? Number.NaN;
        const ratio = (redgrid: string, ioredis: string) =>
          (ops(redgrid) / ops(ioredis)).toFixed(3);
        return [
          `redgrid/ioredis: ${ratio('redgrid GET/SET', 'ioredis GET/SET')}x`,
          `redgrid/ioredis with auto-pipelining: ${ratio('redgrid GET/SET auto-pipelining', 'ioredis GET/SET auto-pipelining')}x`,
        ];
      },
    };
  },
});
