import type {
  HealthCheck,
  HealthContext,
  HealthDetailValue,
  HealthIndicator,
  HealthStatus,
} from '@redgrid/core';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { NodeMemoryReport } from './memory-watch.js';

export type { HealthCheck, HealthDetailValue, HealthStatus } from '@redgrid/core';

/**
 * The health body shared by the Express and Nest adapters (DESIGN.md): `overall` is `healthy`,
 * `degraded` (serving, but from the in-memory fallback or with a struggling connection) or
 * `unhealthy` (answer 503). `status` is `ok` unless `overall` is `unhealthy` (`error`).
 */
export interface HealthReport {
  status: 'ok' | 'error';
  /** ISO 8601 time of the report. */
  timestamp: string;
  /** Process uptime in whole seconds. */
  uptime: number;
  checks: HealthCheck[];
  overall: HealthStatus;
  /** Memory of each data node, from the connection's last health check (see `ConnectionHealth`). */
  memory: NodeMemoryReport[];
}

/** What health reporting reads of a connection: a `RedisConnection` fits. */
export type HealthConnection = Pick<RedisConnection, 'health' | 'checkHealth'>;

/** @deprecated A component in a health report is a `HealthIndicator` (@redgrid/core). */
export type DegradableComponent = HealthIndicator;

/** @deprecated A component in a health report is a `HealthIndicator` (@redgrid/core). */
export type CacheComponent = HealthIndicator;

/** Options of {@link createHealthReport}. */
export interface HealthReportOptions {
  /** The Redis connection to report on. */
  connection: HealthConnection;
  /** Name of the connection's check. Default `'redis'`. */
  name?: string;
  /**
   * True (default) when the service keeps serving from in-memory fallbacks while Redis is down
   * (RedGrid's rate limiter with the `memory` policy, caches, ResilientStores): Redis
   * unreachable is then `degraded` (HTTP 200). False when the service cannot work without
   * Redis: unreachable is `unhealthy` (HTTP 503).
   */
  fallback?: boolean;
  /**
   * Components that report their own health (`HealthIndicator`s of @redgrid/core: a
   * `RateLimiter`, a `rateLimit()` middleware, a cache, a `ResilientStore`, an
   * `ExpressRateLimitStore`, or your own), by check name: each is asked for its check under
   * that name. The report knows nothing else of them.
   */
  components?: Readonly<Record<string, HealthIndicator>>;
  /** Rate limiters by name, reported as `rate-limit:<name>` (shorthand for `components`). */
  limiters?: Readonly<Record<string, HealthIndicator>>;
  /** Caches by name, reported as `cache:<name>`. */
  caches?: Readonly<Record<string, HealthIndicator>>;
  /** Other fallback-backed stores by name, reported as `store:<name>`. */
  stores?: Readonly<Record<string, HealthIndicator>>;
  /**
   * With a lazy connection that has not connected yet, how long the report may wait for a
   * first health check (PING), in ms. Default 1 000.
   */
  probeTimeoutMs?: number;
}

const rank: Readonly<Record<HealthStatus, number>> = {
  healthy: 0,
  degraded: 1,
  unhealthy: 2,
};

function worst(statuses: readonly HealthStatus[]): HealthStatus {
  let result: HealthStatus = 'healthy';
  for (const status of statuses) if (rank[status] > rank[result]) result = status;
  return result;
}

async function probe(connection: HealthConnection, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    connection.checkHealth().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Builds the health report of a connection and the components that depend on it, without
 * framework glue: `@redgrid/express`'s `healthRouter` and `@redgrid/nestjs`'s health indicator
 * both serve it, so the two adapters answer alike. Reads the
 * connection's last health check (no I/O), except for a lazy connection that never connected,
 * which is probed once within `probeTimeoutMs`. Nothing in the report comes from the
 * configuration, so no password or key can appear in it; error messages are the connection's,
 * which scrubs secrets.
 */
export async function createHealthReport(options: HealthReportOptions): Promise<HealthReport> {
  const name = options.name ?? 'redis';
  const fallback = options.fallback ?? true;
  let health = options.connection.health();
  if (health.state === 'connecting') {
    await probe(options.connection, options.probeTimeoutMs ?? 1_000);
    health = options.connection.health();
  }

  const details: Record<string, HealthDetailValue> = {
    latency: health.latencyMs === undefined ? null : Math.round(health.latencyMs * 100) / 100,
    nodeCount: health.nodeCount,
    circuitBreakerOpen: health.breaker.state === 'open',
    state: health.state,
    topology: health.topology,
    breakerState: health.breaker.state,
    offlineQueueDepth: health.offlineQueueDepth,
    inFlight: health.inFlight,
  };
  if (health.topology === 'cluster') {
    details.clusterState = health.clusterState ?? null;
    details.masterCount = health.masterCount;
  }
  if (health.currentMaster !== undefined) {
    details.master = `${health.currentMaster.host}:${health.currentMaster.port}`;
  }
  if (health.lastError !== undefined) {
    details.lastError = health.lastError.message;
    details.lastErrorAt = health.lastError.at.toISOString();
  }

  const latency = health.latencyMs === undefined ? 'unknown' : `${Math.round(health.latencyMs)}ms`;
  const highMemory = health.memory.filter((node) => node.warning);
  details.memoryWarning = highMemory.length > 0;
  const connected = health.state === 'ready' || health.state === 'degraded';
  let status: HealthStatus;
  let message: string;
  switch (health.state) {
    case 'ready':
      status = 'healthy';
      message = `Redis connection is working (latency: ${latency}, nodes: ${health.nodeCount})`;
      break;
    case 'degraded':
      status = 'degraded';
      message =
        highMemory.length > 0
          ? `Redis memory is high on ${highMemory.map((node) => `${node.node} (${Math.round((node.ratio ?? 0) * 100)}% of maxmemory)`).join(', ')}`
          : `Redis connection is degraded (latency: ${latency}, nodes: ${health.nodeCount}, breaker: ${health.breaker.state}${health.clusterState !== undefined && health.clusterState !== 'ok' ? `, cluster state: ${health.clusterState}` : ''})`;
      break;
    case 'closed':
      status = 'unhealthy';
      message = 'Redis connection is closed';
      break;
    default:
      status = fallback ? 'degraded' : 'unhealthy';
      message = fallback
        ? `Redis is unreachable (state: ${health.state}); serving from the in-memory fallback`
        : `Redis is unreachable (state: ${health.state})`;
  }
  const checks: HealthCheck[] = [
    {
      name,
      status,
      message,
      details: {
        ...details,
        ...(status === 'degraded' && !connected ? { fallback: true } : {}),
      },
    },
  ];

  // Each component reports itself; a component still flagged degraded while the connection
  // is usable again reports itself recovering (its next call reaches Redis).
  const context: HealthContext = { redisConnected: connected };
  const groups: ReadonlyArray<[string, Readonly<Record<string, HealthIndicator>> | undefined]> = [
    ['rate-limit:', options.limiters],
    ['cache:', options.caches],
    ['store:', options.stores],
    ['', options.components],
  ];
  for (const [prefix, group] of groups) {
    for (const [componentName, component] of Object.entries(group ?? {})) {
      checks.push(component.healthCheck(`${prefix}${componentName}`, context));
    }
  }

  const overall = worst(checks.map((check) => check.status));
  return {
    status: overall === 'unhealthy' ? 'error' : 'ok',
    timestamp: new Date().toISOString(),
    uptime: Math.floor(process.uptime()),
    checks,
    overall,
    memory: [...health.memory],
  };
}
