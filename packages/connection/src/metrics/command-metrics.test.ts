import { describe, expect, it } from 'vitest';
import { CommandMetrics, latencyBoundariesMs } from './command-metrics.js';

describe('CommandMetrics', () => {
  it('counts outcomes and buckets latencies per command', () => {
    const metrics = new CommandMetrics();
    metrics.record('get', 0.1, 'success');
    metrics.record('get', 0.25, 'success');
    metrics.record('get', 3, 'reply-error');
    metrics.record('get', 20_000, 'timeout');
    metrics.record('get', 0, 'rejected');
    metrics.record('set', 1, 'failure');

    const { commands, latencyBoundariesMs: bounds } = metrics.snapshot();
    expect(bounds).toBe(latencyBoundariesMs);
    expect(commands.map((stats) => stats.command)).toEqual(['GET', 'SET']);
    const get = commands[0];
    expect(get?.count).toBe(5);
    expect(get?.outcomes).toEqual({
      success: 2,
      'reply-error': 1,
      failure: 0,
      timeout: 1,
      rejected: 1,
    });
    expect(get?.latencySumMs).toBeCloseTo(20_003.35);
    // 0.1 and 0.25 fall in the first bucket (<= 0.25), 3 in (2.5, 5], 20 000 above every bound.
    expect(get?.latencyBucketCounts[0]).toBe(2);
    expect(get?.latencyBucketCounts[4]).toBe(1);
    expect(get?.latencyBucketCounts[latencyBoundariesMs.length]).toBe(1);
    expect(get?.latencyBucketCounts.reduce((sum, count) => sum + count, 0)).toBe(4);
  });

  it('returns copies, and reset forgets everything', () => {
    const metrics = new CommandMetrics();
    metrics.record('ping', 1, 'success');
    const before = metrics.snapshot();
    metrics.record('ping', 1, 'success');
    expect(before.commands[0]?.count).toBe(1);
    metrics.reset();
    expect(metrics.snapshot().commands).toEqual([]);
  });
});
