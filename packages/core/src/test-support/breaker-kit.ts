import { CircuitBreaker } from '../breaker/circuit-breaker.js';
import type { CircuitBreakerOptions } from '../breaker/circuit-breaker-types.js';
/** A clock the test moves by hand. */
export function manualClock(start = 1_000) {
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

export function deferred<T = string>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const boom = new Error('boom');
export const fail = () => Promise.reject(boom);
export const ok = () => Promise.resolve('ok');

export function setup(options: CircuitBreakerOptions = {}) {
  const time = manualClock();
  const breaker = new CircuitBreaker({ clock: time.clock, ...options });
  const events: string[] = [];
  breaker.on('open', ({ reason, openForMs }) => events.push(`open:${reason}:${openForMs}`));
  breaker.on('halfOpen', () => events.push('halfOpen'));
  breaker.on('close', () => events.push('close'));
  return { breaker, time, events };
}

export async function failTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let index = 0; index < times; index++) await breaker.execute(fail).catch(() => {});
}

export async function succeedTimes(breaker: CircuitBreaker, times: number): Promise<void> {
  for (let index = 0; index < times; index++) await breaker.execute(ok);
}
