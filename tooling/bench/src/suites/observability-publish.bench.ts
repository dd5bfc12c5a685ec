import { channel } from 'node:diagnostics_channel';
import { type CommandMessage, redgridChannel } from '@redgrid/core';
import { observeRedGrid } from '@redgrid/observability';
import { Registry } from 'prom-client';
import type { CaseResult } from '../define-suite.js';
import { defineSuite } from '../define-suite.js';

// What a command message costs, published as @redgrid/connection does (test `hasSubscribers`,
// build the message only if somebody listens): on a channel nobody subscribes to (what every
// user pays), and on `redgrid:command` while observeRedGrid() records it into a prom-client
// registry (what a user of metrics pays per command).

const nanoseconds = (results: readonly CaseResult[], name: string) => {
  const found = results.find((result) => result.name === name);
  return found === undefined ? Number.NaN : 1e9 / found.opsPerSecond;
};

export const suite = defineSuite({
  name: 'observability-publish',
  description: 'one command message: nobody subscribed vs observeRedGrid() recording it',
  kind: 'micro',
  async setup(context) {
    // The exporter listens on redgrid:command for the whole suite; the unobserved case publishes
    // on a channel of its own that nobody subscribes to, through the same code path.
    const metrics = await observeRedGrid({ registry: new Registry(), ioredisTracing: false });
    context.onTeardown(() => metrics.close());
    const observed = redgridChannel('redgrid:command');
    const unobserved = channel('redgrid:bench-unobserved');
    const commands = ['GET', 'SET', 'DEL', 'HGET'];
    let count = 0;
    const publish = (target: typeof observed) => {
      count++;
      if (target.hasSubscribers) {
        target.publish({
          connection: 'redis',
          command: commands[count & 3] ?? 'GET',
          outcome: 'success',
          durationMs: (count & 7) / 4,
        } satisfies CommandMessage);
      }
    };
    return {
      cases: [
        {
          name: 'empty call',
          baseline: true,
          fn: () => {
            count++;
          },
        },
        { name: 'publish, nobody subscribed', fn: () => publish(unobserved) },
        { name: 'publish, observeRedGrid() recording (prom-client)', fn: () => publish(observed) },
      ],
      notes: (results) => {
        const base = nanoseconds(results, 'empty call');
        const idle = nanoseconds(results, 'publish, nobody subscribed') - base;
        const recorded =
          nanoseconds(results, 'publish, observeRedGrid() recording (prom-client)') - base;
        return [
          `nobody subscribed: +${idle.toFixed(1)} ns per command; recorded: +${recorded.toFixed(0)} ns per command`,
        ];
      },
    };
  },
});
