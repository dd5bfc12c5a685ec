export {
  type ExponentialBackoffOptions,
  exponentialBackoff,
} from './backoff/exponential-backoff.js';
export { CircuitBreaker } from './breaker/circuit-breaker.js';
export type {
  CircuitBreakerEvents,
  CircuitBreakerOptions,
  CircuitBreakerStats,
  CircuitOpenReason,
  CircuitState,
} from './breaker/circuit-breaker-types.js';
export { defineConfig } from './config/define-config.js';
export { type Environment, loadConfigFromEnv } from './config/load-config-from-env.js';
export { describeValue, OptionChecks } from './config/option-checks.js';
export { redact } from './config/redact.js';
export type {
  Address,
  ClusterOptions,
  ClusterOptionsInput,
  CommonOptions,
  CommonOptionsInput,
  ReadFrom,
  RedisConfig,
  RedisConfigInput,
  RedisTopology,
  SecretInput,
  SentinelOptions,
  SentinelOptionsInput,
  SingleOptions,
  SingleOptionsInput,
  TlsOptions,
  TlsOptionsInput,
} from './config/redis-config.js';
export { redisConfigSchema } from './config/redis-config-schema.js';
export { Secret } from './config/secret.js';
export { AuthError } from './errors/auth-error.js';
export { CircuitOpenError } from './errors/circuit-open-error.js';
export { CommandRetriesExhaustedError } from './errors/command-retries-exhausted-error.js';
export { CommandTimeoutError } from './errors/command-timeout-error.js';
export { ConfigError, type ConfigIssue } from './errors/config-error.js';
export { ConnectionClosedError } from './errors/connection-closed-error.js';
export { CrossSlotError } from './errors/cross-slot-error.js';
export { RedGridError } from './errors/redgrid-error.js';
export {
  WriteNotConfirmedError,
  type WriteNotConfirmedReason,
} from './errors/write-not-confirmed-error.js';
export { TypedEmitter, type TypedEmitterOptions } from './events/typed-emitter.js';
export { HashRing, type HashRingNode, type HashRingOptions } from './hashing/hash-ring.js';
export { hashTag } from './hashing/hash-tag.js';
export { jumpHash } from './hashing/jump-hash.js';
export { keySlot } from './hashing/key-slot.js';
export type {
  HealthCheck,
  HealthContext,
  HealthDetailValue,
  HealthIndicator,
  HealthStatus,
} from './health/health-check.js';
export {
  type AdminMessage,
  type BreakerMessage,
  type CacheMessage,
  type CommandMessage,
  type CommandOutcomeName,
  type ConnectionStateMessage,
  type DegradationMessage,
  type FailoverMessage,
  type MemoryMessage,
  type MigrationMessage,
  publish,
  type RateLimitMessage,
  type RedGridChannelName,
  type RedGridChannels,
  redgridChannel,
  redgridChannelNames,
} from './observability/channels.js';
