import { hashTagOf } from '../keys/hash-tag.js';

/** Where one throttler key lives in Redis. Every key of one call hashes to the same slot. */
export interface ThrottlerKeys {
  /** The record shared by every throttler name of the key (window end, block, sequence). */
  readonly recordKey: string;
  /** The hits of one throttler name: a sorted set scored by when each hit expires. */
  readonly hitsKey: string;
}

// Inside a hash tag a `}` would end the tag early: escape it (and the escape character), as
// storageKeys does for the limiter.
function escapeTag(key: string): string {
  if (key.indexOf('}') === -1 && key.indexOf('\\') === -1) return key;
  return key.replaceAll('\\', '\\\\').replaceAll('}', '\\)');
}

/**
 * The Redis keys of throttler key `key` (non-empty) and throttler name `name`. A key without a
 * hash tag is wrapped whole in one (`rl:th:{<key>}`); a key with one keeps it
 * (`rl:th=<length>=<key>`), so that the caller decides the slot. The name follows the key, after
 * the tag, so it never moves the slot; the length in the tagged form makes the split between key
 * and name unambiguous. The mapping is injective: no (key, name) reaches another's keys.
 */
export function throttlerKeys(prefix: string, key: string, name: string): ThrottlerKeys {
  if (hashTagOf(key) !== undefined) {
    const head = `${key.length}=${key}`;
    return {
      recordKey: `${prefix}th=${head}`,
      hitsKey: `${prefix}th-hits=${head}:${name}`,
    };
  }
  const tag = `{${escapeTag(key)}}`;
  return {
    recordKey: `${prefix}th:${tag}`,
    hitsKey: `${prefix}th-hits:${tag}:${name}`,
  };
}
