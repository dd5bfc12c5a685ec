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

// What a failover looks like to a command while it is in progress: ioredis retries or resends
// the command after each of these (a cluster after a redirection or a lost node, a Sentinel
// connection after a reconnect), so they say nothing yet about availability.
const failoverReplies = [
  'MOVED',
  'ASK',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'READONLY',
  'LOADING',
  'MASTERDOWN',
];
const failoverMessages = ['Connection is closed', "Stream isn't writeable"];

/**
 * True for an error a command meets while a failover or a reconnect is in progress (a lost
 * connection, MOVED / ASK / TRYAGAIN / CLUSTERDOWN / READONLY / LOADING / MASTERDOWN): the
 * connection does not count it against the breaker while the command's deadline has time left,
 * since ioredis retries such commands. Only what remains at the deadline counts.
 */
export function isFailoverInProgress(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (typeof message !== 'string') return false;
  if (name === 'ReplyError') return failoverReplies.some((prefix) => message.startsWith(prefix));
  return failoverMessages.some((prefix) => message.startsWith(prefix));
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
