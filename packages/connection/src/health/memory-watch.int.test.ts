import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { loadConfigFromEnv, type MemoryMessage } from '@redgrid/core';
import { type StandaloneTopology, startStandalone } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from '../connection/create-connection.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { createHealthReport } from './health-report.js';
import type { NodeMemoryReport } from './memory-watch.js';

let server: StandaloneTopology | undefined;
let connection: RedisConnection | undefined;

afterEach(async () => {
  await connection?.close();
  await server?.stop();
  connection = undefined;
  server = undefined;
});

/** Writes 1 KB values until the server is full: it evicts keys to stay under maxmemory. */
async function fill(port: number): Promise<void> {
  const raw = new Redis({ port, host: '127.0.0.1' });
  try {
    const value = 'x'.repeat(1024);
    for (let batch = 0; batch < 1_000; batch++) {
      const pipeline = raw.pipeline();
      for (let index = 0; index < 100; index++) pipeline.set(`fill:${batch}:${index}`, value);
      await pipeline.exec();
      const stats = await raw.info('stats');
      if (Number(/evicted_keys:(\d+)/.exec(stats)?.[1]) > 0) return;
    }
    throw new Error('could not fill the server');
  } finally {
    raw.disconnect();
  }
}

describe('memory watch', () => {
  it('reports a node over REDIS_MEMORY_WARN_RATIO as degraded, naming it, and says so once', async () => {
    server = await startStandalone({
      args: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'],
    });
    connection = createConnection(loadConfigFromEnv(server.env()));
    const changes: NodeMemoryReport[] = [];
    connection.on('memory', (report) => changes.push(report));
    const published: MemoryMessage[] = [];
    const onMemory = (message: unknown) => published.push(message as MemoryMessage);
    subscribe('redgrid:memory', onMemory);
    try {
      await connection.connect();
      await connection.checkHealth();
      expect(connection.state).toBe('ready');
      const node = `127.0.0.1:${server.port}`;
      expect(connection.health().memory).toEqual([
        expect.objectContaining({ node, maxBytes: 4 * 1024 * 1024, warning: false }),
      ]);

      // Full: an LRU server stays near its maxmemory, past the default warning ratio (0.9).
      await fill(server.port);
      await connection.checkHealth();
      await connection.checkHealth();
      expect(connection.state).toBe('degraded');
      const report = await createHealthReport({ connection });
      expect(report.overall).toBe('degraded');
      expect(report.checks[0]?.message).toMatch(
        new RegExp(`^Redis memory is high on ${node} \\(\\d+% of maxmemory\\)`),
      );
      expect(report.memory[0]).toMatchObject({ node, warning: true });
      expect(report.memory[0]?.evictedKeys).toBeGreaterThan(0);
      // One event for the transition, however many readings.
      expect(changes).toEqual([expect.objectContaining({ node, warning: true })]);
      expect(published.filter((message) => message.node === node).length).toBeGreaterThanOrEqual(3);
      expect(published.at(-1)).toMatchObject({ node, warning: true, connection: 'redis' });

      // Back under the ratio once the keys are gone.
      await connection.client.flushall();
      await connection.checkHealth();
      expect(connection.state).toBe('ready');
      expect(changes.at(-1)).toMatchObject({ node, warning: false });
    } finally {
      unsubscribe('redgrid:memory', onMemory);
    }
  });
});
