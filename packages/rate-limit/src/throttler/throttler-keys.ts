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

// A name goes before the key's hash tag: a `{` in it would start a tag of its own.
function escapeName(name: string): string {
  if (name.indexOf('{') === -1 && name.indexOf('\\') === -1) return name;
  return name.replaceAll('\\', '\\\\').replaceAll('{', '\\(');
}

/**
 * The Redis keys of throttler key `key` (non-empty) and throttler name `name`:
 * `rl:throttler:{<key>}` for the record and `rl:throttler:<name>:{<key>}` for the hits. A key
 * that has a hash tag keeps it (`rl:throttler=<length>=<key>`), so the caller decides the slot.
 * The name holds no `{` (escaped), so it never moves the slot, and the mapping is injective: no
 * (key, name) reaches another's keys.
 */
export function throttlerKeys(prefix: string, key: string, name: string): ThrottlerKeys {
  const head = `${prefix}throttler`;
  const escapedName = escapeName(name);
  if (hashTagOf(key) !== undefined) {
    const tail = `=${key.length}=${key}`;
    return {
      recordKey: `${head}${tail}`,
      hitsKey: `${head}:${escapedName}${tail}`,
    };
  }
  const tag = `{${escapeTag(key)}}`;
  return {
    recordKey: `${head}:${tag}`,
    hitsKey: `${head}:${escapedName}:${tag}`,
  };
}
