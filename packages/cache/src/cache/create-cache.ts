import { type Cache, CacheView } from './cache.js';
import { CacheCore } from './cache-core.js';
import type { CacheOptions } from './cache-options.js';

/**
 * Creates a two-level cache over a `RedisConnection`: a bounded in-process L1, Redis as L2, an
 * in-memory fallback while Redis is down, pub/sub invalidation between instances. Call
 * `close()` when done (it releases the subscriber connection and the timers; the connection
 * itself stays yours). Throws `ConfigError` listing every invalid option.
 *
 * @example
 * const cache = createCache({ connection, ttlSeconds: 60, graceSeconds: 300 });
 * const user = await cache.getOrSet(`user:${id}`, () => db.users.find(id));
 */
export function createCache(options: CacheOptions): Cache {
  const core = new CacheCore(options);
  return new CacheView(core, core.prefix);
}
