import { CircuitBreaker } from '@redgrid/core';
import { ConsecutiveBreaker, circuitBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import Opossum from 'opossum';
import type { CaseResult } from '../define-suite.js';
import { defineSuite } from '../define-suite.js';

// The overhead a breaker adds to one awaited call, closed and always succeeding (the state a
// breaker spends nearly all its life in). Same work function, same run, interleaved rounds.
// Configurations are as alike as the libraries allow: a rolling 10 s window at a 50% failure
// rate, 5 s open; opossum without its per-call timeout timer (RedGrid has none either).
export const suite = defineSuite({
  name: 'breaker-execute',
  description:
    'CircuitBreaker.execute() overhead over a bare awaited call, vs cockatiel 3 and opossum 9',
  kind: 'micro',
  setup(context) {
    let counter = 0;
    const work = async (): Promise<number> => {
      counter++;
      return counter;
    };

    const redgrid = new CircuitBreaker({ windowMs: 10_000, failureRateThreshold: 0.5 });
    // The per-command pattern of @redgrid/connection: admit(), then record on settle with
    // handlers bound once (no closure per call).
    const lowLevel = new CircuitBreaker({ windowMs: 10_000, failureRateThreshold: 0.5 });
    const onSuccess = (value: number): number => {
      lowLevel.recordSuccess();
      return value;
    };
    const onFailure = (error: unknown): never => {
      lowLevel.recordFailure(error);
      throw error;
    };
    const cockatielSampling = circuitBreaker(handleAll, {
      halfOpenAfter: 5_000,
      breaker: new SamplingBreaker({ threshold: 0.5, duration: 10_000 }),
    });
    const cockatielConsecutive = circuitBreaker(handleAll, {
      halfOpenAfter: 5_000,
      breaker: new ConsecutiveBreaker(5),
    });
    const opossum = new Opossum(work, {
      timeout: false,
      errorThresholdPercentage: 50,
      resetTimeout: 5_000,
      rollingCountTimeout: 10_000,
    });
    context.onTeardown(() => opossum.shutdown());

    return {
      cases: [
        { name: 'bare awaited call', baseline: true, fn: work },
        { name: 'redgrid execute()', fn: () => redgrid.execute(work) },
        {
          name: 'redgrid admit() + record',
          fn: () => {
            lowLevel.admit();
            return work().then(onSuccess, onFailure);
          },
        },
        { name: 'cockatiel 3 (SamplingBreaker)', fn: () => cockatielSampling.execute(work) },
        { name: 'cockatiel 3 (ConsecutiveBreaker)', fn: () => cockatielConsecutive.execute(work) },
        { name: 'opossum 9 fire()', fn: () => opossum.fire() },
      ],
      notes: (results) => breakerNotes(results),
    };
  },
});

function nanoseconds(result: CaseResult | undefined): number {
  return result === undefined ? Number.NaN : 1e9 / result.opsPerSecond;
}

function breakerNotes(results: readonly CaseResult[]): string[] {
  const byName = (prefix: string) => results.find((result) => result.name.startsWith(prefix));
  const bare = nanoseconds(byName('bare'));
  const overhead = (prefix: string) => nanoseconds(byName(prefix)) - bare;
  const lines = results
    .filter((result) => !result.baseline)
    .map(
      (result) =>
        `${result.name}: ${nanoseconds(result).toFixed(0)} ns/call, overhead ${(nanoseconds(result) - bare).toFixed(0)} ns over the bare call (${bare.toFixed(0)} ns)`,
    );
  // The target: RedGrid's overhead at most half of cockatiel's (the cheaper cockatiel breaker).
  const cockatiel = Math.min(
    overhead('cockatiel 3 (Sampling'),
    overhead('cockatiel 3 (Consecutive'),
  );
  const ratio = overhead('redgrid execute') / cockatiel;
  lines.push(
    `redgrid execute() overhead / cheapest cockatiel overhead: ${ratio.toFixed(2)} (target <= 0.50: ${ratio <= 0.5 ? 'met' : 'NOT met'})`,
  );
  return lines;
}
