export type {
  CommandMetricsEvent,
  ConnectionMetricsHooks,
  ConnectionOptions,
  ReconnectOptions,
} from './connection/connection-options.js';
export type { ConnectionState } from './connection/connection-state.js';
export { type ClientFor, createConnection } from './connection/create-connection.js';
export type {
  CloseOptions,
  ConnectionEvents,
  ConnectionHealth,
  Credentials,
  RedisConnection,
} from './connection/redis-connection.js';
export { isReadOnlyCommand } from './connection/replica-reads.js';
export { isWriteCommand } from './fence/write-fence.js';
export { isAuthFailure, isConnectionFailure } from './guard/is-connection-failure.js';
export {
  type CacheComponent,
  createHealthReport,
  type DegradableComponent,
  type HealthCheck,
  type HealthConnection,
  type HealthDetailValue,
  type HealthReport,
  type HealthReportOptions,
  type HealthStatus,
} from './health/health-report.js';
export type { NodeMemoryReport } from './health/memory-watch.js';
export {
  isLfuPolicy,
  type NodeMemory,
  parseInfo,
  readNodeMemory,
} from './health/node-memory.js';
export type { Logger, LogMethod } from './logging/logger.js';
export {
  type CommandMetricsSnapshot,
  type CommandOutcome,
  type CommandStats,
  latencyBoundariesMs,
} from './metrics/command-metrics.js';
