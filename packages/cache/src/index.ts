export type { Cache } from './cache/cache.js';
export type { CacheEvents } from './cache/cache-events.js';
export type { CacheMetrics } from './cache/cache-metrics.js';
export type {
  CacheConnection,
  CacheDurationOptions,
  CacheEntry,
  CacheOptions,
  CacheSetOptions,
  DistributedSingleFlightOptions,
  GetOrSetOptions,
  InvalidationOptions,
  L1Options,
} from './cache/cache-options.js';
export type { CacheResult, CacheSource } from './cache/cache-result.js';
export { createCache } from './cache/create-cache.js';
export type {
  CompressionAlgorithm,
  CompressionOptions,
} from './codec/compression.js';
export type {
  EncryptionKeyInput,
  EncryptionOptions,
} from './codec/encryption.js';
export {
  type CacheSerializer,
  jsonSerializer,
  richJsonSerializer,
} from './codec/serializer.js';
export {
  CacheDecodeError,
  type CacheDecodeReason,
} from './errors/cache-decode-error.js';
export { SerializationError } from './errors/serialization-error.js';
