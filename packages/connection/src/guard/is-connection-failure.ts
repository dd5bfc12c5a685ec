import { CircuitOpenError, CommandTimeoutError, RedGridError } from '@redgrid/core';

// Replies from a server that is up but cannot serve right now: they say as much about
// availability as a refused connection does, so they count against the breaker.
const unavailableReplies = ['LOADING', 'MASTERDOWN', 'CLUSTERDOWN', 'READONLY'];

// ioredis rejects with plain `Error`s whose messages are its API (they are matched by ioredis
// itself, e.g. in Cluster#handleError). Prefixes, because some carry details after them.
const connectionMessages = [
  'Connection is closed',
  "Stream isn't writeable",
  "Cluster isn't ready",
  'None of startup nodes is available',
  'Too many Cluster redirections',
  'Failed to refresh slots cache',
  'All sentinels are unreachable',
  'Command timed out',
  'Socket timeout',
  'connect ETIMEDOUT',
];

const connectionErrorNames = new Set([
  'AbortError',
  'MaxRetriesPerRequestError',
  'ClusterAllFailedError',
]);

/**
 * The breaker's default `isFailure`: true for errors that say Redis is unavailable (connection
 * refused or lost, deadline exceeded, offline-queue limits, cluster down, a server still
 * loading its data or demoted to replica), false for errors that say the request was wrong
 * (`WRONGTYPE`, `NOSCRIPT`, `EXECABORT`, a syntax error, a cross-slot key set) or that the
 * breaker refused it. Use it to compose your own `breaker.isFailure`.
 */
export function isConnectionFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if (CommandTimeoutError.isInstance(error)) return true;
  if (CircuitOpenError.isInstance(error) || RedGridError.isInstance(error)) return false;
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : '';
  if (name === 'ReplyError') {
    return unavailableReplies.some((prefix) => text.startsWith(prefix));
  }
  if (typeof name === 'string' && connectionErrorNames.has(name)) return true;
  // Socket errors from Node (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, ENOTFOUND, TLS errors).
  if (typeof code === 'string' && code.length > 0) return true;
  return connectionMessages.some((prefix) => text.startsWith(prefix));
}

const authReplies = [
  'WRONGPASS',
  'NOAUTH',
  'NOPERM',
  'ERR invalid password',
  'ERR invalid username',
];

/**
 * True for a connection-level error that means the credentials were refused: a wrong password,
 * an unknown or disabled ACL user, a password required but not configured, or an ACL user that
 * may not run the connection handshake. Reconnecting with the same credentials cannot succeed.
 * Gotcha: only meaningful for errors emitted by a connection (its `error` event); a `NOPERM`
 * reply to an ordinary command is a permission error of that command, not of the connection.
 */
export function isAuthFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const message = (error as { message?: unknown }).message;
  if (typeof message !== 'string') return false;
  // Sentinel and cluster errors wrap the server's reply: "... because WRONGPASS ...",
  // "... Last error: NOAUTH ...".
  return authReplies.some((reply) => message.startsWith(reply) || message.includes(` ${reply}`));
}
