import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import type { CircuitBreakerOptions } from './circuit-breaker-types.js';

/** {@link CircuitBreakerOptions} with every default applied, checked. */
export type ResolvedBreakerOptions = Required<
  Omit<CircuitBreakerOptions, 'name' | 'isFailure' | 'onListenerError'>
> &
  Pick<CircuitBreakerOptions, 'name' | 'isFailure' | 'onListenerError'>;

function defaultClock(): number {
  return performance.now();
}

/**
 * Applies the defaults of {@link CircuitBreakerOptions} and checks every option, throwing one
 * `ConfigError` that names each bad one (`options.windowMs: ...`) with the fix.
 */
export function resolveBreakerOptions(options: CircuitBreakerOptions): ResolvedBreakerOptions {
  const resolved: ResolvedBreakerOptions = {
    windowMs: 10_000,
    windowBuckets: 10,
    minimumRequests: 10,
    failureRateThreshold: 0.5,
    consecutiveFailures: 5,
    openDurationMs: 5_000,
    maxOpenDurationMs: 60_000,
    halfOpenMaxProbes: 1,
    clock: defaultClock,
    ...withoutUndefined(options),
  };
  const issues: ConfigIssue[] = [];
  const check = (ok: boolean, option: string, message: string): void => {
    if (!ok) issues.push({ variable: `options.${option}`, message });
  };
  const {
    windowMs,
    windowBuckets,
    minimumRequests,
    failureRateThreshold,
    consecutiveFailures,
    openDurationMs,
    maxOpenDurationMs,
    halfOpenMaxProbes,
  } = resolved;
  check(
    Number.isFinite(windowMs) && windowMs > 0,
    'windowMs',
    'must be a number of milliseconds > 0',
  );
  check(
    Number.isInteger(windowBuckets) && windowBuckets >= 1 && windowBuckets <= 1000,
    'windowBuckets',
    'must be an integer from 1 to 1000',
  );
  check(
    Number.isInteger(minimumRequests) && minimumRequests >= 1,
    'minimumRequests',
    'must be an integer >= 1',
  );
  check(
    failureRateThreshold > 0 && failureRateThreshold <= 1,
    'failureRateThreshold',
    'must be a ratio > 0 and <= 1 (0.5 trips at 50% failures)',
  );
  check(
    Number.isInteger(consecutiveFailures) && consecutiveFailures >= 0,
    'consecutiveFailures',
    'must be an integer >= 0 (0 turns it off)',
  );
  check(
    Number.isFinite(openDurationMs) && openDurationMs >= 0,
    'openDurationMs',
    'must be a number of milliseconds >= 0',
  );
  check(
    maxOpenDurationMs >= openDurationMs,
    'maxOpenDurationMs',
    'must be a number of milliseconds >= openDurationMs',
  );
  check(
    Number.isInteger(halfOpenMaxProbes) && halfOpenMaxProbes >= 1,
    'halfOpenMaxProbes',
    'must be an integer >= 1',
  );
  if (issues.length > 0) throw new ConfigError(issues);
  return resolved;
}

/** An option given as `undefined` takes its default, as if it were absent. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  const result: Partial<T> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined) (result as Record<string, unknown>)[key] = entry;
  }
  return result;
}
