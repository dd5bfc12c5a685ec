/**
 * The part of `key` that Redis Cluster hashes: the content of the first `{...}` when it is not
 * empty, else `undefined` (the whole key is hashed). Same rule as `CLUSTER KEYSLOT`.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open === -1) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}
