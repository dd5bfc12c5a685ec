// Every metric RedGrid exports, in one table: the Prometheus registry and the OpenTelemetry
// meter get the same names, help texts, label names and bucket boundaries from here, and the
// README's table and alert rules are checked against it (metric-catalog.test.ts).

/** How a metric aggregates: a monotonic count, a current value, or a distribution. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/** Where a metric's values come from (see the README: "Where each metric comes from"). */
export type MetricSource =
  | 'redgrid:command'
  | 'redgrid:connection:state'
  | 'redgrid:breaker'
  | 'redgrid:failover'
  | 'redgrid:degradation'
  | 'redgrid:rate-limit'
  | 'redgrid:cache'
  | 'redgrid:memory'
  | 'redgrid:migration'
  | 'redgrid:admin'
  | 'tracing:ioredis:command'
  | 'tracing:ioredis:batch'
  | 'tracing:ioredis:connect'
  | 'connections option'
  | 'observability';

/** One exported metric. */
export interface MetricDefinition {
  /** The metric name, identical in Prometheus and OpenTelemetry. */
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  /** Label (attribute) names, in order. Values are bounded: never a key, never a value. */
  readonly labelNames: readonly string[];
  /** UCUM unit for OpenTelemetry (`s`, `By`, `1`). */
  readonly unit: string;
  /** Upper bounds of histogram buckets, in the metric's unit. */
  readonly buckets?: readonly number[];
  readonly source: MetricSource;
}

/** Latency buckets in seconds: the connection's (0.25 ms ... 10 s) for Redis round trips. */
const latencyBuckets = Object.freeze([
  0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);
/** Connect attempts: a handshake on a LAN takes milliseconds, a dead host a connect timeout. */
const connectBuckets = Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30]);
/** Outages: seconds to an hour. */
const outageBuckets = Object.freeze([0.1, 1, 5, 10, 30, 60, 300, 600, 1800, 3600]);

function define(
  name: string,
  kind: MetricKind,
  source: MetricSource,
  labelNames: readonly string[],
  help: string,
  extra: { unit?: string; buckets?: readonly number[] } = {},
): MetricDefinition {
  return Object.freeze({
    name,
    kind,
    help,
    labelNames: Object.freeze([...labelNames]),
    unit: extra.unit ?? '1',
    ...(extra.buckets === undefined ? {} : { buckets: extra.buckets }),
    source,
  });
}

/** Every metric `observeRedGrid()` exports, keyed by a short internal name. */
export const metricCatalog = Object.freeze({
  commands: define(
    'redgrid_commands_total',
    'counter',
    'redgrid:command',
    ['connection', 'command', 'outcome'],
    'Commands a RedGrid connection finished, by outcome (success, reply-error, failure, timeout, rejected)',
  ),
  commandDuration: define(
    'redgrid_command_duration_seconds',
    'histogram',
    'redgrid:command',
    ['connection', 'command'],
    'Time from the call to its settlement as the caller saw it (queueing and failover holds included; rejected commands excluded)',
    { unit: 's', buckets: latencyBuckets },
  ),
  commandErrors: define(
    'redgrid_command_errors_total',
    'counter',
    'redgrid:command',
    ['connection', 'code'],
    'Commands that ended with an error, by error code (WRONGTYPE, OOM, ERR_COMMAND_TIMEOUT, ERR_CIRCUIT_OPEN, ECONNREFUSED, ...)',
  ),
  connectionState: define(
    'redgrid_connection_state',
    'gauge',
    'redgrid:connection:state',
    ['connection', 'state'],
    'State of a connection: 1 for its current state, 0 for the states it left',
  ),
  connectionUp: define(
    'redgrid_connection_up',
    'gauge',
    'redgrid:connection:state',
    ['connection'],
    'Whether a connection can serve commands (state ready or degraded)',
  ),
  connectionTransitions: define(
    'redgrid_connection_transitions_total',
    'counter',
    'redgrid:connection:state',
    ['connection', 'to'],
    'State changes of a connection, by the state entered',
  ),
  connectionNodes: define(
    'redgrid_connection_nodes',
    'gauge',
    'connections option',
    ['connection'],
    'Redis nodes the connection is connected to (read at collection time)',
  ),
  connectionInFlight: define(
    'redgrid_connection_commands_in_flight',
    'gauge',
    'connections option',
    ['connection'],
    'Commands sent and awaiting their reply or deadline (read at collection time)',
  ),
  connectionOfflineQueue: define(
    'redgrid_connection_offline_queue_depth',
    'gauge',
    'connections option',
    ['connection'],
    'Commands waiting in ioredis offline queues for a connection (read at collection time)',
  ),
  connectionLatency: define(
    'redgrid_connection_healthcheck_latency_seconds',
    'gauge',
    'connections option',
    ['connection'],
    'Round trip of the last health-check PING (read at collection time)',
    { unit: 's' },
  ),
  breakerFailureRatio: define(
    'redgrid_breaker_failure_ratio',
    'gauge',
    'connections option',
    ['name'],
    'Failure ratio in the circuit breaker rolling window, 0..1 (read at collection time)',
  ),
  breakerState: define(
    'redgrid_breaker_state',
    'gauge',
    'redgrid:breaker',
    ['name'],
    'State of a circuit breaker: 0 closed, 1 half-open, 2 open',
  ),
  breakerTransitions: define(
    'redgrid_breaker_transitions_total',
    'counter',
    'redgrid:breaker',
    ['name', 'to', 'reason'],
    'State changes of a circuit breaker, by the state entered and why it opened',
  ),
  failovers: define(
    'redgrid_failovers_total',
    'counter',
    'redgrid:failover',
    ['connection', 'phase'],
    'Master changes seen by a connection (switched), and Sentinel failovers started or aborted',
  ),
  degraded: define(
    'redgrid_degraded',
    'gauge',
    'redgrid:degradation',
    ['component', 'name'],
    'Whether a component serves from its fallback because Redis is unusable (1) or not (0)',
  ),
  outages: define(
    'redgrid_outages_total',
    'counter',
    'redgrid:degradation',
    ['component', 'name'],
    'Times a component started serving from its fallback',
  ),
  outageDuration: define(
    'redgrid_outage_duration_seconds',
    'histogram',
    'redgrid:degradation',
    ['component', 'name'],
    'How long a component served from its fallback, observed when it recovered',
    { unit: 's', buckets: outageBuckets },
  ),
  rateLimitChecks: define(
    'redgrid_rate_limit_checks_total',
    'counter',
    'redgrid:rate-limit',
    ['limiter', 'algorithm', 'allowed', 'decided_by'],
    'Rate-limit decisions, by result and by who decided (redis, memory, open, closed)',
  ),
  cacheReads: define(
    'redgrid_cache_reads_total',
    'counter',
    'redgrid:cache',
    ['cache', 'result'],
    'Cache reads, by where the value came from (l1, l2, stale, fallback) or miss',
  ),
  memoryUsed: define(
    'redgrid_memory_used_bytes',
    'gauge',
    'redgrid:memory',
    ['connection', 'node'],
    'used_memory of a Redis node, as of its last health check',
    { unit: 'By' },
  ),
  memoryMax: define(
    'redgrid_memory_max_bytes',
    'gauge',
    'redgrid:memory',
    ['connection', 'node'],
    'maxmemory of a Redis node (0: unlimited)',
    { unit: 'By' },
  ),
  memoryRatio: define(
    'redgrid_memory_ratio',
    'gauge',
    'redgrid:memory',
    ['connection', 'node'],
    'used_memory / maxmemory of a Redis node (0 when unlimited)',
  ),
  memoryWarning: define(
    'redgrid_memory_warning',
    'gauge',
    'redgrid:memory',
    ['connection', 'node'],
    'Whether a node is at or over the warning ratio (REDIS_MEMORY_WARN_RATIO)',
  ),
  memoryFragmentation: define(
    'redgrid_memory_fragmentation_ratio',
    'gauge',
    'redgrid:memory',
    ['connection', 'node'],
    'mem_fragmentation_ratio of a Redis node',
  ),
  evictedKeys: define(
    'redgrid_evicted_keys',
    'gauge',
    'redgrid:memory',
    ['connection', 'node'],
    'evicted_keys of a Redis node since it started (a server counter, reported as read)',
  ),
  migrationRunning: define(
    'redgrid_migration_running',
    'gauge',
    'redgrid:migration',
    ['kind'],
    'Whether a migration (partition keys or cluster slots) is running',
  ),
  migrationDone: define(
    'redgrid_migration_done',
    'gauge',
    'redgrid:migration',
    ['kind', 'unit'],
    'Keys or slots moved so far by the current or last migration',
  ),
  migrationPlanned: define(
    'redgrid_migration_planned',
    'gauge',
    'redgrid:migration',
    ['kind', 'unit'],
    'Keys or slots the current or last migration moves in all, when known',
  ),
  migrations: define(
    'redgrid_migrations_total',
    'counter',
    'redgrid:migration',
    ['kind', 'phase'],
    'Migrations started, completed and aborted',
  ),
  adminActs: define(
    'redgrid_admin_acts_total',
    'counter',
    'redgrid:admin',
    ['act', 'outcome'],
    'Administrative acts (rebalance, migration, credentials-rotated, ...), by outcome',
  ),
  nodeCommands: define(
    'redgrid_node_commands_total',
    'counter',
    'tracing:ioredis:command',
    ['node', 'command', 'outcome'],
    'Commands ioredis wrote to a node and their outcome, from every ioredis client in the process (ioredis >= 6.1, ioredisTracing)',
  ),
  nodeCommandDuration: define(
    'redgrid_node_command_duration_seconds',
    'histogram',
    'tracing:ioredis:command',
    ['node', 'command'],
    'Time from writing a command to a node to its reply (ioredis >= 6.1, ioredisTracing)',
    { unit: 's', buckets: latencyBuckets },
  ),
  nodeTransactions: define(
    'redgrid_node_transactions_total',
    'counter',
    'tracing:ioredis:batch',
    ['node', 'outcome'],
    'MULTI/EXEC transactions sent to a node, by outcome (ioredis >= 6.1, ioredisTracing)',
  ),
  nodeTransactionDuration: define(
    'redgrid_node_transaction_duration_seconds',
    'histogram',
    'tracing:ioredis:batch',
    ['node'],
    'Time a MULTI/EXEC transaction took on a node (ioredis >= 6.1, ioredisTracing)',
    { unit: 's', buckets: latencyBuckets },
  ),
  nodeConnects: define(
    'redgrid_node_connects_total',
    'counter',
    'tracing:ioredis:connect',
    ['node', 'outcome'],
    'Connection attempts to a node (first connect and reconnects), by outcome (ioredis >= 6.1, ioredisTracing)',
  ),
  nodeConnectDuration: define(
    'redgrid_node_connect_duration_seconds',
    'histogram',
    'tracing:ioredis:connect',
    ['node'],
    'Time a connection attempt took until ready or failed (ioredis >= 6.1, ioredisTracing)',
    { unit: 's', buckets: connectBuckets },
  ),
  subscriberErrors: define(
    'redgrid_observability_errors_total',
    'counter',
    'observability',
    ['channel'],
    'Messages this exporter failed to record (a malformed message, an exporter error); never thrown to the publisher',
  ),
  labelOverflow: define(
    'redgrid_observability_label_overflow_total',
    'counter',
    'observability',
    ['label'],
    'Samples recorded with a label value folded into "other" because the label reached its limit of distinct values (maxLabelValues)',
  ),
});

/** The internal name of a metric of {@link metricCatalog}. */
export type MetricId = keyof typeof metricCatalog;

/**
 * Every metric `observeRedGrid()` exports (name, kind, help, label names, unit, buckets, and the
 * channel its values come from), in the README's order: check dashboards and alert rules
 * against it. Label values are bounded (see `maxLabelValues`): never a key, never a value.
 */
export const redgridMetrics: readonly MetricDefinition[] = Object.freeze(
  Object.values(metricCatalog),
);
