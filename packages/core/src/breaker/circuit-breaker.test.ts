import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { CircuitOpenError } from '../errors/circuit-open-error.js';
import {
  boom,
  deferred,
  fail,
  failTimes,
  ok,
  setup,
  succeedTimes,
} from '../test-support/breaker-kit.js';
import { CircuitBreaker } from './circuit-breaker.js';

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
