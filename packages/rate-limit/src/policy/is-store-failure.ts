import { isRedisUnavailable } from '@redgrid/fallback';

// Replies that say the store cannot count right now, beyond what `isRedisUnavailable` covers:
// a slot being migrated (TRYAGAIN), a server busy with a long script (BUSY), a server out of
// memory refusing writes (OOM).
const transientReplies = ['TRYAGAIN', 'BUSY', 'OOM'];

/**
 * True for an error that means "the store cannot answer now", to which the failure policy
 * applies. False for errors that are the caller's or the deployment's (a key of the wrong type,
 * a Lua error, a refused permission): those are thrown, never turned into a decision.
 */
export function isStoreFailure(error: unknown): boolean {
  if (isRedisUnavailable(error)) return true;
  if (!(error instanceof Error) || error.name !== 'ReplyError') return false;
  const { message } = error;
  return transientReplies.some((prefix) => message.startsWith(prefix));
}
