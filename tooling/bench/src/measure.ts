import { createHistogram, performance } from 'node:perf_hooks';

/** Raw figures of one measured run of one case. */
export interface Measurement {
  operations: number;
  elapsedMs: number;
  /** Per-operation latency percentiles, in microseconds. */
  p50Us: number;
  p99Us: number;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

async function runBatch(fn: () => unknown, size: number, isAsync: boolean): Promise<void> {
  if (isAsync) {
    for (let index = 0; index < size; index++) await fn();
  } else {
    for (let index = 0; index < size; index++) fn();
  }
}

/**
 * Times a tight loop of one caller. Operations that cost nanoseconds cannot be timed one by
 * one (reading the clock costs more), so the loop is timed in batches of about half a
 * millisecond and each batch's mean is one latency sample. p50/p99 are therefore
 * percentiles of batch means, not of single calls.
 */
export async function measureMicro(
  fn: () => unknown,
  options: { durationMs: number },
): Promise<Measurement> {
  const isAsync = isThenable(fn());
  if (isAsync) await fn();

  let batch = 1;
  for (;;) {
    const start = performance.now();
    await runBatch(fn, batch, isAsync);
    if (performance.now() - start >= 0.5 || batch >= 1 << 22) break;
    batch *= 2;
  }

  await runBatch(fn, batch * 4, isAsync);
  const histogram = createHistogram();
  let operations = 0;
  const begin = performance.now();
  const end = begin + options.durationMs;
  let now = begin;
  while (now < end) {
    const start = now;
    await runBatch(fn, batch, isAsync);
    now = performance.now();
    operations += batch;
    histogram.record(Math.max(1, Math.round(((now - start) * 1e6) / batch)));
  }
  return {
    operations,
    elapsedMs: now - begin,
    p50Us: histogram.percentile(50) / 1000,
    p99Us: histogram.percentile(99) / 1000,
  };
}

/**
 * Runs `concurrency` callers that each loop `await fn()` until `durationMs` has passed, after a
 * warm-up of a tenth of that, and records every operation's latency.
 */
export async function measureLoad(
  fn: () => unknown,
  options: { durationMs: number; concurrency: number },
): Promise<Measurement> {
  const histogram = createHistogram();
  const loop = async (until: number, record: boolean): Promise<number> => {
    let count = 0;
    while (performance.now() < until) {
      const start = process.hrtime.bigint();
      await fn();
      if (record) histogram.record(Math.max(1, Number(process.hrtime.bigint() - start)));
      count++;
    }
    return count;
  };
  const callers = (until: number, record: boolean) =>
    Promise.all(Array.from({ length: options.concurrency }, () => loop(until, record)));

  await callers(performance.now() + options.durationMs / 10, false);
  const begin = performance.now();
  const counts = await callers(begin + options.durationMs, true);
  const elapsedMs = performance.now() - begin;
  return {
    operations: counts.reduce((sum, count) => sum + count, 0),
    elapsedMs,
    p50Us: histogram.percentile(50) / 1000,
    p99Us: histogram.percentile(99) / 1000,
  };
}
