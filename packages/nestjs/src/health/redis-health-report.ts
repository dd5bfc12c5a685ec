// The health body is built by @redgrid/connection's `createHealthReport`, which the Express
// adapter serves too, so that both adapters answer `/health/detailed` alike. The Nest adapter
// keeps its own names for it.
export {
  createHealthReport as createRedisHealthReport,
  type DegradableComponent,
  type HealthCheck as RedisHealthCheck,
  type HealthDetailValue as RedisHealthDetailValue,
  type HealthReport as RedisHealthReport,
  type HealthReportOptions as RedisHealthReportOptions,
  type HealthStatus as RedisHealthStatus,
} from '@redgrid/connection';
