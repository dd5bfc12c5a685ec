import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { observeRedGrid } from '@redgrid/observability';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { defineSuite } from '../define-suite.js';

// GET/SET through a connection (env defaults, 50 callers) with no subscriber, with
// observeRedGrid() (its default: RedGrid's channels only), with observeRedGrid({ ioredisTracing:
// true }) (also ioredis 6.1's per-node wire view), and with a subscriber that does nothing on
// ioredis' command traces (what ioredis' tracing costs by itself).

type Mode = 'off' | 'default' | 'tracing' | 'idle-trace';

const cases = {
  off: 'redgrid GET/SET, nobody subscribed',
  default: 'redgrid GET/SET, observeRedGrid()',
  tracing: 'redgrid GET/SET, observeRedGrid({ ioredisTracing: true })',
  'idle-trace': 'redgrid GET/SET, a no-op tracing:ioredis:command subscriber',
} as const satisfies Record<Mode, string>;

export const suite = defineSuite({
  name: 'observability-connection',
  description: 'GET/SET through a connection: no subscriber vs observeRedGrid()',
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const { host, port } = await context.redis();
    const connection = createConnection(
      loadConfigFromEnv({ REDIS_HOST: host, REDIS_PORT: String(port) }),
    );
    await connection.connect();
    const client = connection.client as Redis;
    const value = 'v'.repeat(100);
    await client.set('bench:key', value);

    // Subscriptions are process-wide: each case switches to its mode on its first call (one
    // switch per case and round, a few ms out of seconds of measuring).
    const idle = () => undefined;
    let mode: Mode = 'off';
    let stop: (() => void) | undefined;
    let switching: Promise<void> | undefined;
    const switchTo = (wanted: Mode): Promise<void> => {
      switching ??= (async () => {
        stop?.();
        stop = undefined;
        if (wanted === 'idle-trace') {
          // What ioredis 6.1 costs by itself while anybody listens to its command traces.
          subscribe('tracing:ioredis:command:start', idle);
          stop = () => unsubscribe('tracing:ioredis:command:start', idle);
        } else if (wanted !== 'off') {
          const exporter = await observeRedGrid({
            registry: new Registry(),
            connections: { redis: connection },
            ioredisTracing: wanted === 'tracing',
          });
          stop = () => exporter.close();
        }
        mode = wanted;
      })().finally(() => {
        switching = undefined;
      });
      return switching;
    };
    context.onTeardown(async () => {
      stop?.();
      await connection.close();
    });

    const alternate = (wanted: Mode) => {
      let count = 0;
      const operation = () =>
        ++count & 1 ? client.set('bench:key', value) : client.get('bench:key');
      return () =>
        mode === wanted && switching === undefined ? operation() : switchTo(wanted).then(operation);
    };
    return {
      cases: (Object.keys(cases) as Mode[]).map((key) => ({
        name: cases[key],
        ...(key === 'off' ? { baseline: true } : {}),
        fn: alternate(key),
      })),
      notes: (results) => {
        const ratio = (key: Mode) =>
          (results.find((result) => result.name === cases[key])?.ratio ?? Number.NaN).toFixed(3);
        return [
          `observeRedGrid(): ${ratio('default')}x of no subscriber; with ioredisTracing: ${ratio('tracing')}x; ioredis tracing alone (no-op subscriber): ${ratio('idle-trace')}x`,
        ];
      },
    };
  },
});
