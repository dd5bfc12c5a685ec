/** Health of one check, and of a whole service, from best to worst. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** A detail value of a check: plain JSON scalars only (never a secret). */
export type HealthDetailValue = string | number | boolean | null;

/** One check of a health report, as every RedGrid component reports itself. */
export interface HealthCheck {
  /** `redis` for a connection; for components the name they were registered under, e.g. `rate-limit:api`. */
  name: string;
  status: HealthStatus;
  /** One human-readable sentence, e.g. `Redis connection is working (latency: 2ms, nodes: 3)`. */
  message: string;
  /** Figures behind the status. */
  details: Record<string, HealthDetailValue>;
}

/** What a health report tells each component about the Redis connection it depends on. */
export interface HealthContext {
  /**
   * True while the connection is usable (ready, or degraded but connected). A component still
   * flagged degraded then reports itself recovering: its next call reaches Redis.
   */
  readonly redisConnected: boolean;
}

/**
 * A component that reports its own health (terminus-style): the rate limiter, the cache,
 * `ResilientStore`, the Express rate-limit store. A health report calls it with the name the
 * component was registered under and knows nothing else of its shape.
 */
export interface HealthIndicator {
  healthCheck(name: string, context: HealthContext): HealthCheck;
}
