/**
 * Injection token of the running `RedGridMetrics` exporter of {@link RedisMetricsModule} (from
 * `@redgrid/observability`): inject it to read `registry` or the `errors` count.
 */
export const REDIS_METRICS: unique symbol = Symbol.for('redgrid.nestjs.RedisMetrics');
