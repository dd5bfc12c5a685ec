import type { RateLimitAlgorithm } from '../algorithm/rate-limit-algorithm.js';
import { ALGORITHM_TAGS } from '../algorithm/rate-limit-algorithm.js';
import { hashTagOf } from './hash-tag.js';

/** Where one key's state and block live in Redis. Both keys hash to the same slot. */
export interface StorageKeys {
  readonly stateKey: string;
  readonly blockKey: string;
  /** The hash tag both keys share (what Redis Cluster hashes). */
  readonly tag: string;
}

// Inside a hash tag a `}` would end the tag early: escape it (and the escape character).
function escapeTag(key: string): string {
  if (key.indexOf('}') === -1 && key.indexOf('\\') === -1) return key;
  return key.replaceAll('\\', '\\\\').replaceAll('}', '\\)');
}

/**
 * The Redis keys of user key `key` (non-empty). A key with a hash tag (`{user:1}:hour`) keeps
 * it, so that several limits of one user can share a slot: `rl:fw={user:1}:hour`. Any other key
 * is wrapped whole in a tag: `rl:fw:{api:login}`. The two forms differ right after the
 * algorithm tag (`=` vs `:`), and block keys add `-block` there, so the mapping is injective:
 * no user key can reach another key's state or block, whatever characters it holds.
 */
export function storageKeys(
  prefix: string,
  algorithm: RateLimitAlgorithm,
  key: string,
): StorageKeys {
  const head = prefix + ALGORITHM_TAGS[algorithm];
  const existing = hashTagOf(key);
  if (existing !== undefined) {
    return {
      stateKey: `${head}=${key}`,
      blockKey: `${head}-block=${key}`,
      tag: existing,
    };
  }
  const tag = escapeTag(key);
  return {
    stateKey: `${head}:{${tag}}`,
    blockKey: `${head}-block:{${tag}}`,
    tag,
  };
}
