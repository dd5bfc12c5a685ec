import { createConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import { observeRedGrid, type RedGridMetrics } from '@redgrid/observability';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { defineSuite } from '../define-suite.js';

// GET/SET through a connection (env defaults, 50 callers) with no subscriber, with
// observeRedGrid() (on ioredis 6.1 also recording the per-node wire view of its tracing
// channels) and with observeRedGrid({ ioredisTracing: false }).

type Mode = 'off' | 'on' | 'no-tracing';

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

    // Subscriptions are process-wide: each case switches the exporter to its mode on its first
    // call (one switch per case and round, a few ms out of seconds of measuring).
    let mode: Mode = 'off';
    let exporter: RedGridMetrics | undefined;
    let switching: Promise<void> | undefined;
    const switchTo = (wanted: Mode): Promise<void> => {
      switching ??= (async () => {
        exporter?.close();
        exporter = undefined;
        if (wanted !== 'off') {
          exporter = await observeRedGrid({
            registry: new Registry(),
            connections: { redis: connection },
            ioredisTracing: wanted === 'on',
          });
        }
        mode = wanted;
      })().finally(() => {
        switching = undefined;
      });
      return switching;
    };
    context.onTeardown(async () => {
      exporter?.close();
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
      cases: [
        { name: 'redgrid GET/SET, nobody subscribed', baseline: true, fn: alternate('off') },
        { name: 'redgrid GET/SET, observeRedGrid()', fn: alternate('on') },
        {
          name: 'redgrid GET/SET, observeRedGrid({ ioredisTracing: false })',
          fn: alternate('no-tracing'),
        },
      ],
      notes: (results) => {
        const ratio = (name: string) =>
          (results.find((result) => result.name === name)?.ratio ?? Number.NaN).toFixed(3);
        return [
          `observeRedGrid(): ${ratio('redgrid GET/SET, observeRedGrid()')}x of no subscriber; without ioredis tracing: ${ratio('redgrid GET/SET, observeRedGrid({ ioredisTracing: false })')}x`,
        ];
      },
    };
  },
});
