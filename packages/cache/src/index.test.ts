import { exportedTypeNames } from '@redgrid/config/exported-type-names';
import { describe, expect, it } from 'vitest';
import * as cache from './index.js';

// A change to this list is a change to the public API: update it on purpose, with a changeset.
describe('@redgrid/cache public API', () => {
  it('exports exactly these values', () => {
    expect(Object.keys(cache).sort()).toEqual([
      'CacheDecodeError',
      'SerializationError',
      'createCache',
      'jsonSerializer',
      'richJsonSerializer',
    ]);
  });
  it('exports exactly these types', () => {
    expect(exportedTypeNames(new URL('./index.ts', import.meta.url))).toEqual([
      'Cache',
      'CacheConnection',
      'CacheDecodeReason',
      'CacheDurationOptions',
      'CacheEntry',
      'CacheEvents',
      'CacheMetrics',
      'CacheOptions',
      'CacheResult',
      'CacheSerializer',
      'CacheSetOptions',
      'CacheSource',
      'CompressionAlgorithm',
      'CompressionOptions',
      'DistributedSingleFlightOptions',
      'EncryptionKeyInput',
      'EncryptionOptions',
      'GetOrSetOptions',
      'InvalidationOptions',
      'L1Options',
    ]);
  });
});
