import { isConnectionFailure } from '@redgrid/connection';
import { CircuitOpenError, ConnectionClosedError } from '@redgrid/core';

// Replies from a server that is up but cannot serve this command right now, beyond what
// `isConnectionFailure` covers (LOADING, MASTERDOWN, CLUSTERDOWN, READONLY): a slot being
// migrated (TRYAGAIN), a server busy with a long script (BUSY), a server out of memory refusing
// writes (OOM). None of them says the request was wrong; each passes on its own.
const transientReplies = ['TRYAGAIN', 'BUSY', 'OOM'];

/**
 * True for an error that means "the store cannot answer now": the breaker refused the call, the
 * deadline passed, the connection is down or closed, the cluster is down, a server is still
 * loading, has no master, is migrating the slot (`TRYAGAIN`), is busy with a script (`BUSY`) or
 * is out of memory (`OOM`). A degradable feature answers those from its fallback (memory, or a
 * declared policy). False for errors that are the caller's or the deployment's — a key of the
 * wrong type (`WRONGTYPE`), a Lua error, `NOSCRIPT`, a refused permission, a bad argument —
 * which are thrown, never hidden behind a fallback value.
 *
 * The one classification every RedGrid feature uses (`ResilientStore`, the rate limiter, the
 * throttler counter); use it for your own fallbacks so that they agree with them.
 */
export function isStoreFailure(error: unknown): boolean {
  if (
    CircuitOpenError.isInstance(error) ||
    ConnectionClosedError.isInstance(error) ||
    isConnectionFailure(error)
  ) {
    return true;
  }
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (name !== 'ReplyError' || typeof message !== 'string') return false;
  return transientReplies.some((prefix) => message.startsWith(prefix));
}

/**
 * The former name of {@link isStoreFailure}, kept so that existing imports keep compiling.
 * It now also accepts `TRYAGAIN`, `BUSY` and `OOM` replies (as the rate limiter always did).
 *
 * @deprecated Use {@link isStoreFailure}.
 */
export const isRedisUnavailable: (error: unknown) => boolean = isStoreFailure;
