/**
 * Upper bounds (ms, inclusive) of the latency histogram buckets; a last, unbounded bucket
 * follows. Chosen for Redis: sub-millisecond on a LAN, tens of ms under load, seconds when a
 * deadline is near.
 */
export const latencyBoundariesMs: readonly number[] = Object.freeze([
  0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
]);

/**
 * How a command ended. `success`: a reply. `reply-error`: Redis answered with an error such as
 * `WRONGTYPE` (the server is fine). `failure`: Redis was unavailable (connection error,
 * `LOADING`, ...). `timeout`: no reply before the deadline. `rejected`: refused without being
 * sent, because the breaker was open or the connection closed.
 */
export type CommandOutcome = 'success' | 'reply-error' | 'failure' | 'timeout' | 'rejected';

/** Counters and latency histogram of one command name. */
export interface CommandStats {
  /** Command name in upper case, e.g. `GET`. */
  readonly command: string;
  /** Commands that ended, whatever the outcome (rejected ones included). */
  readonly count: number;
  /** Commands per {@link CommandOutcome}. */
  readonly outcomes: Readonly<Record<CommandOutcome, number>>;
  /** Sum of the latencies of the commands that were sent (not `rejected`), in ms. */
  readonly latencySumMs: number;
  /**
   * Commands per latency bucket, not cumulative (OpenTelemetry's explicit-bucket layout):
   * `latencyBucketCounts[i]` counts latencies `<= latencyBoundariesMs[i]` and above the previous
   * bound; the last entry counts those above every bound. For Prometheus, sum them cumulatively
   * into `le` buckets (`+Inf` = their total). Rejected commands are not in the histogram.
   */
  readonly latencyBucketCounts: readonly number[];
}

/** A point-in-time copy of every command's counters; safe to keep and compare. */
export interface CommandMetricsSnapshot {
  /** Bounds of the histogram buckets, in ms (same array for every command). */
  readonly latencyBoundariesMs: readonly number[];
  /** One entry per command name seen, sorted by name. */
  readonly commands: readonly CommandStats[];
}

class MutableStats {
  count = 0;
  success = 0;
  replyError = 0;
  failure = 0;
  timeout = 0;
  rejected = 0;
  latencySumMs = 0;
  readonly buckets: number[] = new Array<number>(latencyBoundariesMs.length + 1).fill(0);
}

/**
 * Per-command counters and latency histograms, updated on every command with a few
 * additions (no allocation once a command name has been seen). Read them with `snapshot()`
 * from a Prometheus collector or an OpenTelemetry observable callback.
 */
export class CommandMetrics {
  readonly #byName = new Map<string, MutableStats>();

  /** Counts one finished command. `name` as ioredis has it (lower case). */
  record(name: string, latencyMs: number, outcome: CommandOutcome): void {
    let stats = this.#byName.get(name);
    if (stats === undefined) {
      stats = new MutableStats();
      this.#byName.set(name, stats);
    }
    stats.count++;
    switch (outcome) {
      case 'success':
        stats.success++;
        break;
      case 'reply-error':
        stats.replyError++;
        break;
      case 'failure':
        stats.failure++;
        break;
      case 'timeout':
        stats.timeout++;
        break;
      case 'rejected':
        stats.rejected++;
        return;
    }
    stats.latencySumMs += latencyMs;
    let index = 0;
    const boundaries = latencyBoundariesMs;
    while (index < boundaries.length && latencyMs > (boundaries[index] as number)) index++;
    stats.buckets[index] = (stats.buckets[index] as number) + 1;
  }

  /** A copy of every counter, sorted by command name. */
  snapshot(): CommandMetricsSnapshot {
    const commands = [...this.#byName.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([name, stats]): CommandStats => ({
          command: name.toUpperCase(),
          count: stats.count,
          outcomes: {
            success: stats.success,
            'reply-error': stats.replyError,
            failure: stats.failure,
            timeout: stats.timeout,
            rejected: stats.rejected,
          },
          latencySumMs: stats.latencySumMs,
          latencyBucketCounts: [...stats.buckets],
        }),
      );
    return { latencyBoundariesMs, commands };
  }

  /** Forgets every counter (e.g. after an exporter read them as deltas). */
  reset(): void {
    this.#byName.clear();
  }
}
