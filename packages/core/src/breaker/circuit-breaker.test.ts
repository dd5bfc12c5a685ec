import fc from 'fast-check';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import { ConfigError } from '../errors/config-error.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { CircuitBreakerOptions, CircuitOpenReason } from './circuit-breaker-types.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  };
}

function deferred<T = string>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const boom = new Error('boom');
const fail = () => Promise.reject(boom);
const ok = () => Promise.resolve('ok');

function setup(options: CircuitBreakerOptions = {}) {
  const time = manualClock();
  const breaker = new CircuitBreaker({ clock: time.clock, ...options });
  const events: string[] = [];
  breaker.on('open', ({ reason, openForMs }) => events.push(`open:${reason}:${openForMs}`));
  breaker.on('halfOpen', () => events.push('halfOpen'));
  breaker.on('close', () => events.push('close'));
  return { breaker, time, events };
}

async function failTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let index = 0; index < times; index++) await breaker.execute(fail).catch(() => {});
}

async function succeedTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let index = 0; index < times; index++) await breaker.execute(ok);
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('CircuitBreaker: closed', () => {
  it('passes values, rejections, synchronous results and synchronous throws through', async () => {
    const { breaker } = setup();
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    await expect(breaker.execute(() => 42)).resolves.toBe(42);
    await expect(breaker.execute(fail)).rejects.toBe(boom);
    await expect(
      breaker.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    // biome-ignore lint/suspicious/noThenProperty: a foreign promise-like is what is tested
    const thenable = { then: (resolve: (value: string) => void) => resolve('thenable') };
    await expect(breaker.execute(() => thenable as unknown as Promise<string>)).resolves.toBe(
      'thenable',
    );
    expect(breaker.stats()).toMatchObject({
      state: 'closed',
      requests: 5,
      failures: 2,
      successes: 3,
    });
  });

  it('infers the result type', () => {
    const breaker = new CircuitBreaker();
    expectTypeOf(breaker.execute(async () => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(breaker.execute(() => 'x')).toEqualTypeOf<Promise<string>>();
  });

  it('trips after consecutiveFailures failures in a row; a success resets the run', async () => {
    const { breaker, events } = setup({ consecutiveFailures: 3, minimumRequests: 100 });
    await failTimes(breaker, 2);
    await succeedTimes(breaker, 1);
    await failTimes(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.stats().consecutiveFailures).toBe(2);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(events).toEqual(['open:consecutive-failures:5000']);
  });

  it('trips on the failure rate only once minimumRequests calls were seen', async () => {
    const { breaker, events } = setup({
      consecutiveFailures: 0,
      minimumRequests: 10,
      failureRateThreshold: 0.5,
    });
    for (let index = 0; index < 4; index++) {
      await breaker.execute(ok);
      await breaker.execute(fail).catch(() => {});
    }
    await breaker.execute(fail).catch(() => {}); // 5 of 9 failed, below the volume
    expect(breaker.state).toBe('closed');
    await breaker.execute(ok); // 5 of 10: a success never trips
    expect(breaker.state).toBe('closed');
    await breaker.execute(fail).catch(() => {}); // 6 of 11
    expect(breaker.state).toBe('open');
    expect(events).toEqual(['open:failure-rate:5000']);
  });

  it('does not trip below the threshold', async () => {
    const { breaker } = setup({
      consecutiveFailures: 0,
      minimumRequests: 4,
      failureRateThreshold: 0.5,
    });
    for (let index = 0; index < 50; index++) {
      await succeedTimes(breaker, 2);
      await failTimes(breaker, 1);
    }
    expect(breaker.stats()).toMatchObject({ state: 'closed', requests: 150, failures: 50 });
  });

  it('forgets calls older than the rolling window', async () => {
    const { breaker, time } = setup({
      consecutiveFailures: 0,
      minimumRequests: 5,
      windowMs: 10_000,
    });
    await failTimes(breaker, 4);
    time.advance(5_000);
    expect(breaker.stats().failures).toBe(4);
    time.advance(6_000);
    expect(breaker.stats().failures).toBe(0);
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
    await failTimes(breaker, 4);
    expect(breaker.state).toBe('open');
  });

  it('expires the window bucket by bucket', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 0, windowMs: 1_000, windowBuckets: 4 });
    for (let step = 0; step < 4; step++) {
      await failTimes(breaker, 1);
      time.advance(250);
    }
    expect(breaker.stats().failures).toBe(3);
    time.advance(250);
    expect(breaker.stats().failures).toBe(2);
    time.advance(500);
    expect(breaker.stats().failures).toBe(0);
  });

  it('spreads successes recorded without a clock reading over the time since the last one', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 0, windowMs: 10_000 });
    await succeedTimes(breaker, 10);
    expect(breaker.stats().successes).toBe(10); // read at the same instant: exact
    await succeedTimes(breaker, 10);
    time.advance(20_000); // an idle period: half of it lies inside the window
    expect(breaker.stats().successes).toBe(5);
  });

  it('reads the clock only on failures, state queries and every 64th success', async () => {
    const clock = vi.fn(() => 0);
    const breaker = new CircuitBreaker({ clock });
    clock.mockClear();
    await succeedTimes(breaker, 63);
    expect(clock).not.toHaveBeenCalled();
    await succeedTimes(breaker, 1);
    expect(clock).toHaveBeenCalledTimes(1);
    await failTimes(breaker, 1);
    expect(clock).toHaveBeenCalledTimes(2);
  });

  it('treats errors rejected by isFailure as successes, and a throwing filter as a failure', async () => {
    const expected = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    const { breaker } = setup({
      consecutiveFailures: 2,
      isFailure: (error) => {
        if (error === 'broken') throw new Error('filter bug');
        return !(error instanceof Error && error.message.startsWith('WRONGTYPE'));
      },
    });
    await failTimes(breaker, 1);
    await expect(breaker.execute(() => Promise.reject(expected))).rejects.toBe(expected);
    expect(breaker.stats()).toMatchObject({ consecutiveFailures: 0, successes: 1, failures: 1 });
    await failTimes(breaker, 1);
    await breaker.execute(() => Promise.reject('broken')).catch(() => {});
    expect(breaker.state).toBe('open');
  });

  it('uses no timer', async () => {
    vi.useFakeTimers();
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('open');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('CircuitBreaker: open', () => {
  it('rejects without calling fn, with retryAfterMs and the breaker name', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 1, name: 'redis' });
    const rejected: CircuitOpenError[] = [];
    breaker.on('reject', (error) => rejected.push(error));
    await failTimes(breaker, 1);
    time.advance(1_000);
    const fn = vi.fn(ok);
    const error = await breaker.execute(fn).catch((caught: unknown) => caught);
    expect(fn).not.toHaveBeenCalled();
    expect(CircuitOpenError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ERR_CIRCUIT_OPEN',
      retryAfterMs: 4_000,
      breakerName: 'redis',
    });
    expect(rejected).toEqual([error]);
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    expect(breaker.stats()).toMatchObject({ state: 'open', rejections: 2, openUntil: 6_000 });
  });

  it('ignores late results of calls admitted before it opened', async () => {
    const { breaker, time, events } = setup({ consecutiveFailures: 1 });
    const slow = deferred();
    const pending = breaker.execute(() => slow.promise);
    await failTimes(breaker, 1);
    slow.resolve('late');
    await expect(pending).resolves.toBe('late');
    expect(breaker.state).toBe('open');
    breaker.recordSuccess();
    breaker.recordFailure(boom);
    expect(breaker.state).toBe('open');
    time.advance(5_000);
    expect(breaker.state).toBe('half-open');
    expect(events).toEqual(['open:consecutive-failures:5000', 'halfOpen']);
  });
});

describe('CircuitBreaker: half-open', () => {
  it('goes half-open lazily, on the first state read or admit after openDurationMs', async () => {
    const { breaker, time, events } = setup({ consecutiveFailures: 1, openDurationMs: 2_000 });
    await failTimes(breaker, 1);
    time.advance(1_999);
    expect(breaker.state).toBe('open');
    time.advance(1);
    expect(events).toEqual(['open:consecutive-failures:2000']);
    expect(breaker.state).toBe('half-open');
    expect(breaker.state).toBe('half-open');
    expect(events).toEqual(['open:consecutive-failures:2000', 'halfOpen']);
  });

  it('admits halfOpenMaxProbes probes and rejects the rest at once, without queueing', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 1, halfOpenMaxProbes: 2 });
    await failTimes(breaker, 1);
    time.advance(5_000);
    const first = deferred();
    const second = deferred();
    const probes = [breaker.execute(() => first.promise), breaker.execute(() => second.promise)];
    const extra = vi.fn(ok);
    const error = await breaker.execute(extra).catch((caught: unknown) => caught);
    expect(extra).not.toHaveBeenCalled();
    expect(error).toMatchObject({ code: 'ERR_CIRCUIT_OPEN', retryAfterMs: 0 });
    first.resolve('a');
    second.resolve('b');
    await expect(Promise.all(probes)).resolves.toEqual(['a', 'b']);
    expect(breaker.state).toBe('closed');
  });

  it('closes after a successful probe, with a fresh window', async () => {
    const { breaker, time, events } = setup({ consecutiveFailures: 0, minimumRequests: 2 });
    await failTimes(breaker, 2);
    time.advance(5_000);
    await expect(breaker.execute(ok)).resolves.toBe('ok');
    expect(events).toEqual(['open:failure-rate:5000', 'halfOpen', 'close']);
    expect(breaker.stats()).toMatchObject({ state: 'closed', requests: 0, consecutiveFailures: 0 });
    await failTimes(breaker, 1);
    expect(breaker.state).toBe('closed');
  });

  it('re-opens after a failed probe for twice as long, capped at maxOpenDurationMs, and resets on close', async () => {
    const { breaker, time, events } = setup({
      consecutiveFailures: 1,
      openDurationMs: 1_000,
      maxOpenDurationMs: 5_000,
    });
    await failTimes(breaker, 1);
    for (const openFor of [2_000, 4_000, 5_000, 5_000]) {
      const current = breaker.stats().openUntil ?? 0;
      time.set(current);
      await failTimes(breaker, 1); // the probe
      expect(breaker.stats().openUntil).toBe(current + openFor);
    }
    time.advance(5_000);
    await succeedTimes(breaker, 1);
    await failTimes(breaker, 1);
    expect(events.filter((event) => event.startsWith('open'))).toEqual([
      'open:consecutive-failures:1000',
      'open:probe-failed:2000',
      'open:probe-failed:4000',
      'open:probe-failed:5000',
      'open:probe-failed:5000',
      'open:consecutive-failures:1000',
    ]);
  });

  it('counts a probe rejected with an expected error (isFailure false) as a success', async () => {
    const { breaker, time } = setup({
      consecutiveFailures: 1,
      isFailure: (error) => error !== 'expected',
    });
    await failTimes(breaker, 1);
    time.advance(5_000);
    await breaker.execute(() => Promise.reject('expected')).catch(() => {});
    expect(breaker.state).toBe('closed');
  });

  it('records a synchronous throw of a probe as a failed probe', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 1 });
    await failTimes(breaker, 1);
    time.advance(5_000);
    await expect(
      breaker.execute(() => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(breaker.state).toBe('open');
    time.advance(10_000);
    await expect(breaker.execute(() => 'sync')).resolves.toBe('sync');
    expect(breaker.state).toBe('closed');
  });

  it('lets only the probe, not a late call from before the trip, decide (execute)', async () => {
    const { breaker, time } = setup({ consecutiveFailures: 1 });
    const late = deferred();
    const latePromise = breaker.execute(() => late.promise);
    await failTimes(breaker, 1);
    time.advance(5_000);
    const probe = deferred();
    const probePromise = breaker.execute(() => probe.promise);
    late.resolve('late');
    await latePromise;
    expect(breaker.state).toBe('half-open');
    probe.reject(boom);
    await probePromise.catch(() => {});
    expect(breaker.state).toBe('open');
  });
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
