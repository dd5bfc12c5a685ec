import { channel } from 'node:diagnostics_channel';
import { redgridChannelNames } from '@redgrid/core';
import { Registry } from 'prom-client';
import { afterEach } from 'vitest';
import { observeRedGrid, type RedGridMetrics } from '../observe-redgrid.js';

const tracingNames = ['command', 'batch', 'connect'] as const;
const tracingEvents = ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const;

/**
 * `observe()`: `observeRedGrid()` into a new registry (ioredis tracing on), closed after each
 * test of the file that calls this once at its top level.
 */
export function exporters() {
  const open: RedGridMetrics[] = [];
  afterEach(() => {
    for (const metrics of open.splice(0)) metrics.close();
  });
  return {
    open,
    async observe(options: Parameters<typeof observeRedGrid>[0] = {}) {
      const registry = new Registry();
      const metrics = await observeRedGrid({ registry, ioredisTracing: true, ...options });
      open.push(metrics);
      return { metrics, registry, text: () => registry.metrics() };
    },
  };
}

/** Every RedGrid and ioredis tracing channel that has a subscriber now. */
export function anySubscribed(): string[] {
  const names: string[] = [...redgridChannelNames];
  for (const name of tracingNames) {
    for (const event of tracingEvents) names.push(`tracing:ioredis:${name}:${event}`);
  }
  return names.filter((name) => channel(name).hasSubscribers);
}
