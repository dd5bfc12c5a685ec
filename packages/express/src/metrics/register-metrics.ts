import type { RedisConnection } from '@redgrid/connection';
import { ConfigError } from '@redgrid/core';
import type { Registry } from 'prom-client';
import { loadPromClient, type PromClient } from './load-prom-client.js';

/**
 * The part of a prom-client `Registry` RedGrid uses, so that public types do not depend on
 * prom-client being installed. A prom-client `Registry` (including the default `register`)
 * fits.
 */
export interface PrometheusRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
  getSingleMetric(name: string): unknown;
  removeSingleMetric(name: string): void;
}

/** What metrics read of a connection: a `RedisConnection` fits. */
export type MetricsConnection = Pick<RedisConnection, 'health' | 'metrics'>;

/** Counters of a rate limiter (`RateLimiter.stats()` of `@redgrid/rate-limit`). */
export interface LimiterStatsSource {
  stats(): {
    readonly degraded: boolean;
    readonly redis: number;
    readonly memory: number;
    readonly open: number;
    readonly closed: number;
    readonly blockCacheHits: number;
    readonly outages: number;
  };
}

/** A `rateLimit()` middleware: its limiter, and its own request counters. */
export interface MiddlewareStatsSource {
  readonly limiter: LimiterStatsSource;
  stats(): {
    readonly allowed: number;
    readonly rejected: number;
    readonly refused: number;
    readonly skipped: number;
    readonly errors: number;
  };
}

/** Counters of a cache (`Cache.metrics()` of `@redgrid/cache`). */
export interface CacheMetricsSource {
  metrics(): {
    readonly l1Hits: number;
    readonly l2Hits: number;
    readonly misses: number;
    readonly staleHits: number;
    readonly fallbackReads: number;
    readonly fallbackWrites: number;
    readonly loads: number;
    readonly loadErrors: number;
    readonly l1Entries: number;
    readonly l1Bytes: number;
    readonly degraded: boolean;
  };
}

/** Counters of a fallback-backed store (`ResilientStore`, `ExpressRateLimitStore`). */
export interface StoreStatsSource {
  stats(): {
    readonly degraded: boolean;
    readonly redis: number;
    readonly memory: number;
    readonly outages: number;
  };
}

/** What to export. Every source is read when Prometheus scrapes; nothing runs per request. */
export interface MetricsSources {
  /** The connection, labelled `connection="<connectionName>"`. */
  connection?: MetricsConnection;
  /** Label of `connection`. Default `'redis'`. */
  connectionName?: string;
  /** More connections by name (e.g. one per partition node). */
  connections?: Readonly<Record<string, MetricsConnection>>;
  /** Rate limiters or `rateLimit()` middlewares by name (`limiter` label). */
  limiters?: Readonly<Record<string, LimiterStatsSource | MiddlewareStatsSource>>;
  /** Caches by name (`cache` label). */
  caches?: Readonly<Record<string, CacheMetricsSource>>;
  /** ResilientStores or ExpressRateLimitStores by name (`store` label). */
  stores?: Readonly<Record<string, StoreStatsSource>>;
  /** Start of every metric name. Default `'redgrid_'`. */
  prefix?: string;
}

const connectionStates = [
  'connecting',
  'ready',
  'degraded',
  'reconnecting',
  'down',
  'closed',
] as const;
const breakerStates = ['closed', 'open', 'half-open'] as const;
const commandOutcomes = ['success', 'reply-error', 'failure', 'timeout', 'rejected'] as const;

type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number;
}

/**
 * Registers RedGrid's metrics (connection, circuit breaker, command counts and latency
 * histograms, rate limiters, caches, stores) in a prom-client registry you already serve.
 * Values are read from the sources at scrape time. Calling it again with the same registry and
 * prefix replaces the previous registration. Rejects with `MissingPeerDependencyError` when
 * prom-client is not installed.
 *
 * @example
 * import { register } from 'prom-client';
 * await registerMetrics(register, { connection, limiters: { api: apiLimit } });
 */
export async function registerMetrics(
  registry: PrometheusRegistry,
  sources: MetricsSources,
): Promise<void> {
  const client = await loadPromClient();
  defineMetrics(client, registry as unknown as Registry, sources);
}

function defineMetrics(client: PromClient, registry: Registry, sources: MetricsSources): void {
  const prefix = sources.prefix ?? 'redgrid_';
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) {
    throw new ConfigError([
      {
        variable: 'sources.prefix',
        message: `must match [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(prefix)}`,
      },
    ]);
  }
  const connections: Array<[string, MetricsConnection]> = [];
  if (sources.connection !== undefined)
    connections.push([sources.connectionName ?? 'redis', sources.connection]);
  connections.push(...Object.entries(sources.connections ?? {}));
  const limiters = Object.entries(sources.limiters ?? {});
  const caches = Object.entries(sources.caches ?? {});
  const stores = Object.entries(sources.stores ?? {});

  const define = (
    kind: 'gauge' | 'counter',
    name: string,
    help: string,
    labelNames: readonly string[],
    read: () => Sample[],
  ) => {
    const fullName = prefix + name;
    if (registry.getSingleMetric(fullName) !== undefined) registry.removeSingleMetric(fullName);
    const Metric = kind === 'gauge' ? client.Gauge : client.Counter;
    new Metric({
      name: fullName,
      help,
      labelNames: [...labelNames],
      registers: [registry],
      collect(this: {
        reset(): void;
        inc(labels: Labels, value: number): void;
        set?(labels: Labels, value: number): void;
      }) {
        this.reset();
        for (const sample of read()) {
          if (this.set !== undefined) this.set(sample.labels, sample.value);
          else this.inc(sample.labels, Math.max(0, sample.value));
        }
      },
    });
  };

  if (connections.length > 0) {
    const each = (read: (name: string, connection: MetricsConnection) => Sample[]) => () =>
      connections.flatMap(([name, connection]) => read(name, connection));
    define(
      'gauge',
      'redis_up',
      'Whether the connection can serve commands (state ready or degraded)',
      ['connection'],
      each((name, connection) => {
        const state = connection.health().state;
        return [
          {
            labels: { connection: name },
            value: state === 'ready' || state === 'degraded' ? 1 : 0,
          },
        ];
      }),
    );
    define(
      'gauge',
      'redis_connection_state',
      'Current state of the connection (1 for the current state)',
      ['connection', 'state'],
      each((name, connection) => {
        const state = connection.health().state;
        return connectionStates.map((candidate) => ({
          labels: { connection: name, state: candidate },
          value: candidate === state ? 1 : 0,
        }));
      }),
    );
    define(
      'gauge',
      'redis_healthcheck_latency_seconds',
      'Round trip of the last health-check PING',
      ['connection'],
      each((name, connection) => {
        const latency = connection.health().latencyMs;
        return latency === undefined
          ? []
          : [{ labels: { connection: name }, value: latency / 1000 }];
      }),
    );
    define(
      'gauge',
      'redis_nodes',
      'Redis nodes connected to',
      ['connection'],
      each((name, connection) => [
        { labels: { connection: name }, value: connection.health().nodeCount },
      ]),
    );
    define(
      'gauge',
      'redis_offline_queue_depth',
      'Commands waiting for a connection',
      ['connection'],
      each((name, connection) => [
        {
          labels: { connection: name },
          value: connection.health().offlineQueueDepth,
        },
      ]),
    );
    define(
      'gauge',
      'redis_commands_in_flight',
      'Commands sent and awaiting a reply',
      ['connection'],
      each((name, connection) => [
        { labels: { connection: name }, value: connection.health().inFlight },
      ]),
    );
    define(
      'gauge',
      'circuit_breaker_state',
      'State of the connection circuit breaker (1 for the current state)',
      ['connection', 'state'],
      each((name, connection) => {
        const state = connection.health().breaker.state;
        return breakerStates.map((candidate) => ({
          labels: { connection: name, state: candidate },
          value: candidate === state ? 1 : 0,
        }));
      }),
    );
    define(
      'gauge',
      'circuit_breaker_failure_rate',
      'Failure ratio in the breaker rolling window (0..1)',
      ['connection'],
      each((name, connection) => [
        {
          labels: { connection: name },
          value: connection.health().breaker.failureRate,
        },
      ]),
    );
    define(
      'counter',
      'circuit_breaker_rejections_total',
      'Commands the breaker rejected without sending',
      ['connection'],
      each((name, connection) => [
        {
          labels: { connection: name },
          value: connection.health().breaker.rejections,
        },
      ]),
    );
    define(
      'counter',
      'redis_commands_total',
      'Commands finished, by command and outcome',
      ['connection', 'command', 'outcome'],
      each((name, connection) =>
        connection.metrics().commands.flatMap((stats) =>
          commandOutcomes.map((outcome) => ({
            labels: { connection: name, command: stats.command, outcome },
            value: stats.outcomes[outcome],
          })),
        ),
      ),
    );

    // The connection keeps its own histogram; this metric exposes it as is at scrape time.
    const histogramName = `${prefix}redis_command_duration_seconds`;
    if (registry.getSingleMetric(histogramName) !== undefined)
      registry.removeSingleMetric(histogramName);
    const histogram = new client.Histogram({
      name: histogramName,
      help: 'Latency of the commands sent (rejected ones excluded), by command',
      labelNames: ['connection', 'command'],
      registers: [registry],
    });
    const values = () => {
      const samples: Array<{
        value: number;
        labels: Labels;
        metricName: string;
      }> = [];
      for (const [name, connection] of connections) {
        const snapshot = connection.metrics();
        for (const stats of snapshot.commands) {
          const labels = { connection: name, command: stats.command };
          let cumulative = 0;
          snapshot.latencyBoundariesMs.forEach((boundMs, index) => {
            cumulative += stats.latencyBucketCounts[index] ?? 0;
            samples.push({
              value: cumulative,
              labels: { ...labels, le: String(boundMs / 1000) },
              metricName: `${histogramName}_bucket`,
            });
          });
          const sent = stats.latencyBucketCounts.reduce((sum, count) => sum + count, 0);
          samples.push({
            value: sent,
            labels: { ...labels, le: '+Inf' },
            metricName: `${histogramName}_bucket`,
          });
          samples.push({
            value: stats.latencySumMs / 1000,
            labels,
            metricName: `${histogramName}_sum`,
          });
          samples.push({
            value: sent,
            labels,
            metricName: `${histogramName}_count`,
          });
        }
      }
      return {
        name: histogramName,
        help: 'Latency of the commands sent (rejected ones excluded), by command',
        type: 'histogram' as const,
        values: samples,
        aggregator: 'sum' as const,
      };
    };
    // prom-client reads a metric through get() (and getForPromString() for histograms).
    Object.assign(histogram, {
      get: async () => values(),
      getForPromString: async () => values(),
    });
  }

  if (limiters.length > 0) {
    const limiterOf = (source: LimiterStatsSource | MiddlewareStatsSource): LimiterStatsSource =>
      'limiter' in source ? source.limiter : source;
    define(
      'counter',
      'rate_limit_checks_total',
      'Rate-limit checks, by what decided them',
      ['limiter', 'decided_by'],
      () =>
        limiters.flatMap(([name, source]) => {
          const stats = limiterOf(source).stats();
          return [
            {
              labels: { limiter: name, decided_by: 'redis' },
              value: stats.redis,
            },
            {
              labels: { limiter: name, decided_by: 'memory' },
              value: stats.memory,
            },
            {
              labels: { limiter: name, decided_by: 'open' },
              value: stats.open,
            },
            {
              labels: { limiter: name, decided_by: 'closed' },
              value: stats.closed,
            },
            {
              labels: { limiter: name, decided_by: 'block_cache' },
              value: stats.blockCacheHits,
            },
          ];
        }),
    );
    define(
      'gauge',
      'rate_limit_degraded',
      'Whether the limiter answers from its failure policy (Redis unusable)',
      ['limiter'],
      () =>
        limiters.map(([name, source]) => ({
          labels: { limiter: name },
          value: limiterOf(source).stats().degraded ? 1 : 0,
        })),
    );
    define(
      'counter',
      'rate_limit_outages_total',
      'Times the limiter became degraded',
      ['limiter'],
      () =>
        limiters.map(([name, source]) => ({
          labels: { limiter: name },
          value: limiterOf(source).stats().outages,
        })),
    );
    define(
      'counter',
      'rate_limit_requests_total',
      'HTTP requests seen by rateLimit() middlewares, by result',
      ['limiter', 'result'],
      () =>
        limiters.flatMap(([name, source]) => {
          if (!('limiter' in source)) return [];
          const stats = source.stats();
          return (['allowed', 'rejected', 'refused', 'skipped', 'errors'] as const).map(
            (result) => ({
              labels: {
                limiter: name,
                result: result === 'errors' ? 'error' : result,
              },
              value: stats[result],
            }),
          );
        }),
    );
  }

  if (caches.length > 0) {
    const read =
      (pick: (metrics: ReturnType<CacheMetricsSource['metrics']>) => Array<[Labels, number]>) =>
      () =>
        caches.flatMap(([name, cache]) =>
          pick(cache.metrics()).map(([labels, value]) => ({
            labels: { cache: name, ...labels },
            value,
          })),
        );
    define(
      'counter',
      'cache_hits_total',
      'Fresh cache hits, by level',
      ['cache', 'level'],
      read((m) => [
        [{ level: 'l1' }, m.l1Hits],
        [{ level: 'l2' }, m.l2Hits],
      ]),
    );
    define(
      'counter',
      'cache_misses_total',
      'Cache reads that found no usable value',
      ['cache'],
      read((m) => [[{}, m.misses]]),
    );
    define(
      'counter',
      'cache_stale_hits_total',
      'Stale values served within their grace period',
      ['cache'],
      read((m) => [[{}, m.staleHits]]),
    );
    define(
      'counter',
      'cache_fallback_operations_total',
      'Cache operations served by the in-memory fallback',
      ['cache', 'operation'],
      read((m) => [
        [{ operation: 'read' }, m.fallbackReads],
        [{ operation: 'write' }, m.fallbackWrites],
      ]),
    );
    define(
      'counter',
      'cache_loads_total',
      'Loader runs (getOrSet)',
      ['cache'],
      read((m) => [[{}, m.loads]]),
    );
    define(
      'counter',
      'cache_load_errors_total',
      'Loader runs that failed',
      ['cache'],
      read((m) => [[{}, m.loadErrors]]),
    );
    define(
      'gauge',
      'cache_l1_entries',
      'Entries in the in-process L1',
      ['cache'],
      read((m) => [[{}, m.l1Entries]]),
    );
    define(
      'gauge',
      'cache_l1_bytes',
      'Estimated bytes in the in-process L1',
      ['cache'],
      read((m) => [[{}, m.l1Bytes]]),
    );
    define(
      'gauge',
      'cache_degraded',
      'Whether the cache serves from its fallback (Redis unusable)',
      ['cache'],
      read((m) => [[{}, m.degraded ? 1 : 0]]),
    );
  }

  if (stores.length > 0) {
    define(
      'counter',
      'store_operations_total',
      'Store operations, by who answered',
      ['store', 'source'],
      () =>
        stores.flatMap(([name, store]) => {
          const stats = store.stats();
          return [
            { labels: { store: name, source: 'redis' }, value: stats.redis },
            { labels: { store: name, source: 'memory' }, value: stats.memory },
          ];
        }),
    );
    define(
      'gauge',
      'store_degraded',
      'Whether the store answers from memory (Redis unusable)',
      ['store'],
      () =>
        stores.map(([name, store]) => ({
          labels: { store: name },
          value: store.stats().degraded ? 1 : 0,
        })),
    );
    define('counter', 'store_outages_total', 'Times the store became degraded', ['store'], () =>
      stores.map(([name, store]) => ({
        labels: { store: name },
        value: store.stats().outages,
      })),
    );
  }
}
