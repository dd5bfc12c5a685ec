import diagnostics from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { DegradationTracker } from './degradation-tracker.js';

function manualClock(startMs = 1_000) {
  let now = startMs;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe('DegradationTracker', () => {
  it('starts healthy, with no outage and nothing recovered', () => {
    const tracker = new DegradationTracker();
    expect(tracker.degraded).toBe(false);
    expect(tracker.outages).toBe(0);
    expect(tracker.recover()).toBeUndefined();
    expect(tracker.snapshot()).toEqual({ degraded: false, outages: 0 });
  });

  it('counts one outage from the first failure to the next success', () => {
    const time = manualClock();
    const tracker = new DegradationTracker({ clock: time.clock });
    const error = new Error('down');
    expect(tracker.fail(error)).toBe(true);
    time.advance(40);
    expect(tracker.fail(new Error('still down'))).toBe(false);
    expect(tracker.degraded).toBe(true);
    expect(tracker.outages).toBe(1);
    expect(tracker.snapshot()).toEqual({
      degraded: true,
      degradedSinceMs: 1_000,
      degradedForMs: 40,
      outages: 1,
    });
    time.advance(60);
    expect(tracker.recover()).toEqual({ outageMs: 100, recoveredAtMs: 1_100 });
    expect(tracker.recover()).toBeUndefined();
    expect(tracker.snapshot()).toEqual({
      degraded: false,
      outages: 1,
      lastRecoveredAtMs: 1_100,
      lastOutageMs: 100,
    });
  });

  it('keeps the last recovery through the next outage', () => {
    const time = manualClock();
    const tracker = new DegradationTracker({ clock: time.clock });
    tracker.fail(new Error('one'));
    time.advance(10);
    tracker.recover();
    time.advance(5);
    tracker.fail(new Error('two'));
    expect(tracker.snapshot()).toEqual({
      degraded: true,
      degradedSinceMs: 1_015,
      degradedForMs: 0,
      outages: 2,
      lastRecoveredAtMs: 1_010,
      lastOutageMs: 10,
    });
  });

  it('emits degraded with the error and recovered with the outage, once each', () => {
    const time = manualClock();
    const tracker = new DegradationTracker({ clock: time.clock });
    const seen: unknown[] = [];
    const off = tracker.on('degraded', (info) => seen.push(['degraded', info]));
    tracker.on('recovered', (info) => seen.push(['recovered', info]));
    const error = new Error('down');
    tracker.fail(error);
    tracker.fail(error);
    time.advance(25);
    tracker.recover();
    tracker.recover();
    off();
    tracker.fail(error);
    expect(seen).toEqual([
      ['degraded', { error, sinceMs: 1_000 }],
      ['recovered', { outageMs: 25, recoveredAtMs: 1_025 }],
    ]);
    tracker.dispose();
  });

  it('stays consistent when a listener throws', () => {
    const tracker = new DegradationTracker();
    tracker.on('degraded', () => {
      throw new Error('listener bug');
    });
    expect(tracker.fail(new Error('down'))).toBe(true);
    expect(tracker.degraded).toBe(true);
    tracker.dispose();
  });
  it('reports its health check: healthy, serving from memory, recovering once Redis is back', () => {
    const time = manualClock();
    const tracker = new DegradationTracker({ clock: time.clock });
    const up = { redisConnected: true };
    const down = { redisConnected: false };
    expect(tracker.healthCheck('cache:tasks', up, { size: 3 })).toEqual({
      name: 'cache:tasks',
      status: 'healthy',
      message: 'cache:tasks is served by Redis',
      details: { degraded: false, outages: 0, size: 3 },
    });
    tracker.fail(new Error('down'));
    expect(tracker.healthCheck('cache:tasks', down)).toEqual({
      name: 'cache:tasks',
      status: 'degraded',
      message: 'cache:tasks is serving from the in-memory fallback',
      details: { degraded: true, outages: 1, degradedSince: new Date(1_000).toISOString() },
    });
    expect(tracker.healthCheck('cache:tasks', up)).toMatchObject({
      status: 'healthy',
      message: 'cache:tasks returns to Redis on its next call',
      details: { degraded: false },
    });
  });

  it('publishes degraded and recovered on redgrid:degradation, labelled as its owner', () => {
    const time = manualClock();
    const tracker = new DegradationTracker({
      clock: time.clock,
      observedAs: { component: 'rate-limit', name: 'rl:' },
    });
    const messages: unknown[] = [];
    const listener = (message: unknown) => messages.push(message);
    diagnostics.subscribe('redgrid:degradation', listener);
    try {
      tracker.fail(Object.assign(new Error('OOM command not allowed'), { name: 'ReplyError' }));
      tracker.fail(new Error('still down')); // the same outage: nothing new
      time.advance(250);
      tracker.recover();
    } finally {
      diagnostics.unsubscribe('redgrid:degradation', listener);
    }
    expect(messages).toEqual([
      { component: 'rate-limit', name: 'rl:', event: 'degraded', errorCode: 'OOM' },
      { component: 'rate-limit', name: 'rl:', event: 'recovered', outageMs: 250 },
    ]);
  });
});
