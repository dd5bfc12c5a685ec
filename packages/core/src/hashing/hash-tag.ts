/**
 * The part of a key that Redis Cluster hashes to pick its slot: the text between the first `{`
 * and the first `}` after it, if that text is not empty; otherwise the whole key. Keys that
 * share a hash tag (`user:{42}:profile`, `user:{42}:cart`) share a slot, which is what makes
 * multi-key commands, transactions and Lua scripts over them possible in a cluster. RedGrid's
 * client-side partitioning groups keys by the same rule.
 *
 * Gotchas (all Redis's own rules): only the first `{` counts (`{a}{b}` → `a`); an empty tag
 * `{}` means no tag (`{}x` hashes whole); `{` without a later `}` means no tag.
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  if (close === -1 || close === open + 1) return key;
  return key.slice(open + 1, close);
}
