import type { ConnectionHealth, RedisConnection } from '@redgrid/connection';

// Same body, statuses and messages as `@redgrid/express`'s `createHealthReport`, so that both
// adapters answer `/health/detailed` alike. (Kept here because an adapter must not depend on
// another adapter; see the README.)

/** Health of one check, and of the whole service (`overall`), from best to worst. */
export type RedisHealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** A detail value of a check: plain JSON scalars only (never a secret). */
export type RedisHealthDetailValue = string | number | boolean | null;

/** One entry of {@link RedisHealthReport.checks}. */
export interface RedisHealthCheck {
  /** `redis` for the connection, `rate-limit:<name>` / `cache:<name>` / `store:<name>` for components. */
  name: string;
  status: RedisHealthStatus;
  /** One sentence, e.g. `Redis connection is working (latency: 2ms, nodes: 3)`. */
  message: string;
  /** `latency`, `nodeCount`, `clusterState`, `circuitBreakerOpen`, `state`, ... for Redis. */
  details: Record<string, RedisHealthDetailValue>;
}

/**
 * The RedGrid health body (DESIGN.md), shared with `@redgrid/express`:
 * `{ status, timestamp, uptime, checks, overall }`. `overall` is `healthy`, `degraded` (serving,
 * from the in-memory fallback or over a struggling connection) or `unhealthy` (answer 503).
 */
export interface RedisHealthReport {
  /** `ok` unless `overall` is `unhealthy` (`error`). */
  status: 'ok' | 'error';
  /** ISO 8601 time of the report. */
  timestamp: string;
  /** Process uptime in whole seconds. */
  uptime: number;
  checks: RedisHealthCheck[];
  overall: RedisHealthStatus;
}

/** A component that says whether it currently answers from its fallback. */
export interface DegradableComponent {
  stats(): { readonly degraded: boolean };
}

/** Options of {@link createRedisHealthReport}. */
export interface RedisHealthReportOptions {
  /** The connection to report on (a `RedisConnection` fits). */
  connection: Pick<RedisConnection, 'health' | 'checkHealth'>;
  /** Name of the connection's check. Default `'redis'`. */
  name?: string;
  /**
   * True (default) when the service keeps serving from in-memory fallbacks while Redis is down:
   * Redis unreachable is then `degraded` (200). False: unreachable is `unhealthy` (503).
   */
  fallback?: boolean;
  /** Rate limiters by name, reported as `rate-limit:<name>`. */
  limiters?: Readonly<Record<string, DegradableComponent>>;
  /** Caches by name (their `metrics().degraded`), reported as `cache:<name>`. */
  caches?: Readonly<Record<string, { metrics(): { readonly degraded: boolean } }>>;
  /** Other fallback-backed stores (`ResilientStore`) by name, reported as `store:<name>`. */
  stores?: Readonly<Record<string, DegradableComponent>>;
  /** With a lazy connection not connected yet, how long to wait for a first PING, in ms. Default 1 000. */
  probeTimeoutMs?: number;
}

const rank: Readonly<Record<RedisHealthStatus, number>> = { healthy: 0, degraded: 1, unhealthy: 2 };

async function probe(connection: RedisHealthReportOptions['connection'], timeoutMs: number) {
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

function redisCheck(health: ConnectionHealth, name: string, fallback: boolean): RedisHealthCheck {
  const details: Record<string, RedisHealthDetailValue> = {
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
  switch (health.state) {
    case 'ready':
      return {
        name,
        status: 'healthy',
        message: `Redis connection is working (latency: ${latency}, nodes: ${health.nodeCount})`,
        details,
      };
    case 'degraded':
      return {
        name,
        status: 'degraded',
        message: `Redis connection is degraded (latency: ${latency}, nodes: ${health.nodeCount}, breaker: ${health.breaker.state}${health.clusterState !== undefined && health.clusterState !== 'ok' ? `, cluster state: ${health.clusterState}` : ''})`,
        details,
      };
    case 'closed':
      return { name, status: 'unhealthy', message: 'Redis connection is closed', details };
    default:
      return {
        name,
        status: fallback ? 'degraded' : 'unhealthy',
        message: fallback
          ? `Redis is unreachable (state: ${health.state}); serving from the in-memory fallback`
          : `Redis is unreachable (state: ${health.state})`,
        details: fallback ? { ...details, fallback: true } : details,
      };
  }
}

/**
 * Builds the health report of a connection and the components that depend on it, without I/O
 * (it reads the connection's last periodic health check), except for a lazy connection that
 * never connected, which is probed once within `probeTimeoutMs`. Nothing comes from the
 * configuration, so no secret can appear in it.
 */
export async function createRedisHealthReport(
  options: RedisHealthReportOptions,
): Promise<RedisHealthReport> {
  const fallback = options.fallback ?? true;
  let health = options.connection.health();
  if (health.state === 'connecting') {
    await probe(options.connection, options.probeTimeoutMs ?? 1_000);
    health = options.connection.health();
  }
  const connected = health.state === 'ready' || health.state === 'degraded';
  const checks = [redisCheck(health, options.name ?? 'redis', fallback)];
  // A component stays flagged degraded until its next call reaches Redis; once the connection is
  // ready again that call will, so a stale flag is reported as recovering, not degraded.
  const component = (kind: string, name: string, degraded: boolean): RedisHealthCheck => {
    const serving = degraded && !connected;
    return {
      name: `${kind}:${name}`,
      status: serving ? 'degraded' : 'healthy',
      message: serving
        ? `${kind} ${name} is serving from the in-memory fallback`
        : degraded
          ? `${kind} ${name} returns to Redis on its next call`
          : `${kind} ${name} is served by Redis`,
      details: { degraded: serving },
    };
  };
  for (const [name, limiter] of Object.entries(options.limiters ?? {})) {
    checks.push(component('rate-limit', name, limiter.stats().degraded));
  }
  for (const [name, cache] of Object.entries(options.caches ?? {})) {
    checks.push(component('cache', name, cache.metrics().degraded));
  }
  for (const [name, store] of Object.entries(options.stores ?? {})) {
    checks.push(component('store', name, store.stats().degraded));
  }
  let overall: RedisHealthStatus = 'healthy';
  for (const check of checks) if (rank[check.status] > rank[overall]) overall = check.status;
  return {
    status: overall === 'unhealthy' ? 'error' : 'ok',
    timestamp: new Date().toISOString(),
    uptime: Math.floor(process.uptime()),
    checks,
    overall,
  };
}
