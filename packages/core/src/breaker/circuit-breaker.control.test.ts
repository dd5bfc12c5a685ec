import fc from 'fast-check';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { ConfigError } from '../errors/config-error.js';
import {
  boom,
  deferred,
  fail,
  failTimes,
  manualClock,
  ok,
  setup,
  succeedTimes,
} from '../test-support/breaker-kit.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitOpenReason } from './circuit-breaker-types.js';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('CircuitBreaker: low-level admit / record', () => {
  it('takes a probe that never reports as failed once the open duration has passed again', () => {
    const { breaker, time, events } = setup({ consecutiveFailures: 1, openDurationMs: 1_000 });
    breaker.admit();
    breaker.recordFailure(boom);
    time.advance(1_000);
    breaker.admit(); // a probe whose result is lost
    time.advance(999);
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    expect(breaker.state).toBe('half-open');
    time.advance(1);
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    expect(breaker.state).toBe('open');
    expect(events).toEqual([
      'open:consecutive-failures:1000',
      'halfOpen',
      'open:probe-failed:2000',
    ]);
    breaker.recordSuccess(); // the lost result, finally: ignored
    expect(breaker.state).toBe('open');
    time.advance(2_000);
    breaker.admit();
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
  });

  it('follows the same state machine as execute', () => {
    const { breaker, time, events } = setup({ consecutiveFailures: 2 });
    breaker.admit();
    breaker.recordFailure(boom);
    breaker.admit();
    breaker.recordFailure(boom);
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    time.advance(5_000);
    breaker.admit(); // the probe
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    breaker.admit();
    breaker.recordSuccess();
    expect(events).toEqual(['open:consecutive-failures:5000', 'halfOpen', 'close']);
  });

  it('ignores results in half-open when no probe is in flight', () => {
    const { breaker, time } = setup({ consecutiveFailures: 1 });
    breaker.recordFailure(boom);
    time.advance(5_000);
    expect(breaker.state).toBe('half-open');
    breaker.recordSuccess();
    breaker.recordFailure(boom);
    expect(breaker.state).toBe('half-open');
  });

  it('applies isFailure in recordFailure', () => {
    const { breaker } = setup({ consecutiveFailures: 1, isFailure: () => false });
    breaker.recordFailure(boom);
    expect(breaker.stats()).toMatchObject({ state: 'closed', failures: 0, successes: 1 });
  });
});

describe('CircuitBreaker: manual control', () => {
  it('open() holds until close(), open({ durationMs }) goes half-open after it', async () => {
    const { breaker, time, events } = setup();
    breaker.open();
    time.advance(1e9);
    expect(breaker.state).toBe('open');
    const error = await breaker.execute(ok).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryAfterMs: Number.POSITIVE_INFINITY });
    breaker.close();
    expect(breaker.state).toBe('closed');
    breaker.open({ durationMs: 100 });
    time.advance(100);
    expect(breaker.state).toBe('half-open');
    expect(events).toEqual(['open:manual:Infinity', 'close', 'open:manual:100', 'halfOpen']);
  });

  it('trip() opens a closed breaker for the open duration, like a threshold trip', () => {
    const { breaker, time, events } = setup({ openDurationMs: 2_000 });
    breaker.trip();
    expect(breaker.state).toBe('open');
    // Only a closed breaker trips: an open one keeps its period.
    time.advance(1_000);
    breaker.trip();
    time.advance(1_000);
    expect(breaker.state).toBe('half-open');
    breaker.trip();
    expect(events).toEqual(['open:unreachable:2000', 'halfOpen']);
  });

  it('close() on a closed breaker emits nothing; reset() also zeroes rejections', async () => {
    const { breaker, events } = setup({ consecutiveFailures: 1 });
    breaker.close();
    expect(events).toEqual([]);
    await failTimes(breaker, 1);
    await breaker.execute(ok).catch(() => {});
    expect(breaker.stats().rejections).toBe(1);
    breaker.close();
    expect(breaker.stats().rejections).toBe(1);
    breaker.open();
    breaker.reset();
    expect(breaker.stats()).toEqual({
      state: 'closed',
      requests: 0,
      failures: 0,
      successes: 0,
      rejections: 0,
      failureRate: 0,
      consecutiveFailures: 0,
    });
  });
});

describe('CircuitBreaker: events', () => {
  it('emits success and failure per call, and unsubscribes', async () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 0 });
    const seen: unknown[] = [];
    const offSuccess = breaker.on('success', () => seen.push('success'));
    breaker.on('failure', (error) => seen.push(error));
    await succeedTimes(breaker, 1);
    await failTimes(breaker, 1);
    offSuccess();
    offSuccess();
    await succeedTimes(breaker, 1);
    expect(seen).toEqual(['success', boom]);
    breaker.dispose();
    await failTimes(breaker, 1);
    expect(seen).toEqual(['success', boom]);
  });

  it('types listeners by event', () => {
    const breaker = new CircuitBreaker();
    breaker.on('open', (info) => {
      expectTypeOf(info.reason).toEqualTypeOf<CircuitOpenReason>();
    });
    breaker.on('reject', (error) => {
      expectTypeOf(error).toEqualTypeOf<CircuitOpenError>();
    });
  });

  it('survives a throwing listener: the call keeps its result, the error is reported', async () => {
    const reported: Array<[unknown, string]> = [];
    const breaker = new CircuitBreaker({
      consecutiveFailures: 1,
      onListenerError: (error, event) => reported.push([error, event]),
    });
    breaker.on('open', () => {
      throw new Error('listener bug');
    });
    breaker.on('failure', () => {
      throw new Error('listener bug');
    });
    const failure = new Error('down');
    await expect(breaker.execute(() => Promise.reject(failure))).rejects.toBe(failure);
    expect(breaker.state).toBe('open');
    expect(reported.map(([, event]) => event).sort()).toEqual(['failure', 'open']);
  });
});

describe('CircuitBreaker: options and clock', () => {
  it('rejects invalid options, naming each', () => {
    try {
      new CircuitBreaker({
        windowMs: 0,
        windowBuckets: 0,
        minimumRequests: 0,
        failureRateThreshold: 1.5,
        consecutiveFailures: -1,
        openDurationMs: -1,
        maxOpenDurationMs: -2,
        halfOpenMaxProbes: 0,
      });
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      expect(ConfigError.isInstance(error) && error.issues.map((issue) => issue.variable)).toEqual([
        'options.windowMs',
        'options.windowBuckets',
        'options.minimumRequests',
        'options.failureRateThreshold',
        'options.consecutiveFailures',
        'options.openDurationMs',
        'options.maxOpenDurationMs',
        'options.halfOpenMaxProbes',
      ]);
    }
  });

  it('tolerates a clock that goes backwards', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 0, minimumRequests: 3 });
    await failTimes(breaker, 1);
    time.advance(-100_000);
    await failTimes(breaker, 1);
    expect(breaker.stats().failures).toBe(2);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('reads performance.now by default', async () => {
    const now = vi.spyOn(performance, 'now').mockReturnValue(10_000);
    try {
      const breaker = new CircuitBreaker({
        name: 'default-clock',
        consecutiveFailures: 1,
        openDurationMs: 5_000,
      });
      await breaker.execute(fail).catch(() => {});
      expect(breaker.stats()).toMatchObject({ state: 'open', openUntil: 15_000 });
      now.mockReturnValue(15_000);
      expect(breaker.state).toBe('half-open');
    } finally {
      now.mockRestore();
    }
  });
});

describe('CircuitBreaker: properties', () => {
  it('never calls fn while open, admits at most halfOpenMaxProbes at once, and counts consistently', async () => {
    type Kind = 'ok' | 'fail' | 'hold' | 'release' | 'advance';
    const step = fc.record({
      kind: fc.constantFrom<Kind>('ok', 'fail', 'hold', 'release', 'advance'),
      ms: fc.integer({ min: 0, max: 4_000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 80 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, maxProbes) => {
          const time = manualClock(0);
          const breaker = new CircuitBreaker({
            clock: time.clock,
            consecutiveFailures: 3,
            minimumRequests: 4,
            halfOpenMaxProbes: maxProbes,
            openDurationMs: 1_000,
          });
          // Held calls; `period` counts half-open periods, so probes of an earlier one are not
          // counted against the current one.
          const held: { release: () => void; probe: boolean; period: number; done: boolean }[] = [];
          let period = 0;
          for (const { kind, ms } of steps) {
            if (kind === 'advance') {
              time.advance(ms);
            } else if (kind === 'release') {
              const call = held.find((entry) => !entry.done);
              if (call !== undefined) {
                call.done = true;
                call.release();
                await new Promise((resolve) => setImmediate(resolve));
              }
            } else {
              const before = breaker.state;
              let called = false;
              const gate = deferred();
              const promise = breaker.execute(() => {
                called = true;
                if (kind === 'hold') return gate.promise;
                return kind === 'ok' ? 'ok' : Promise.reject(boom);
              });
              if (before === 'open') expect(called).toBe(false);
              if (kind === 'hold') {
                promise.catch(() => {});
                if (called)
                  held.push({
                    release: () => gate.resolve('ok'),
                    probe: before === 'half-open',
                    period,
                    done: false,
                  });
                const probes = held.filter(
                  (entry) => entry.probe && !entry.done && entry.period === period,
                );
                expect(probes.length).toBeLessThanOrEqual(maxProbes);
              } else {
                await promise.catch(() => {});
              }
            }
            if (breaker.state !== 'half-open') period++;
            const stats = breaker.stats();
            expect(stats.requests).toBe(stats.successes + stats.failures);
            expect(stats.failureRate).toBeGreaterThanOrEqual(0);
            expect(stats.failureRate).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
