import { startStandalone } from '@redgrid/redis-harness';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { jsonOf, runBin } from './test-support/run-bin.js';

describe('redgrid health with memory', () => {
  it('exits 1 and names the node when a server is at its maxmemory', async () => {
    const server = await startStandalone({
      args: ['--maxmemory', '4mb', '--maxmemory-policy', 'allkeys-lru'],
    });
    try {
      const env = server.env();
      const node = `127.0.0.1:${server.port}`;
      const healthy = await runBin(['health', '--json'], env);
      expect(healthy.code).toBe(0);
      expect(jsonOf<{ memory: Array<{ node: string; warning: boolean }> }>(healthy).memory).toEqual(
        [expect.objectContaining({ node, warning: false })],
      );

      const raw = new Redis({ host: '127.0.0.1', port: server.port });
      try {
        const value = 'x'.repeat(1024);
        while (Number(/evicted_keys:(\d+)/.exec(await raw.info('stats'))?.[1]) === 0) {
          const pipeline = raw.pipeline();
          for (let index = 0; index < 200; index++) pipeline.set(`fill:${Math.random()}`, value);
          await pipeline.exec();
        }
      } finally {
        raw.disconnect();
      }

      const full = await runBin(['health'], env);
      expect(full.code).toBe(1);
      expect(full.stdout).toMatch(/overall: degraded/);
      expect(full.stdout).toMatch(new RegExp(`Redis memory is high on ${node}`));
      expect(full.stdout).toMatch(/\byes\b/);
    } finally {
      await server.stop();
    }
  });
});
