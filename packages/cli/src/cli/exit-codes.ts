/**
 * Exit codes of `redgrid`, stable across releases so scripts and monitors can branch on them.
 * `health` uses 0 / 1 / 2 for healthy / degraded / unhealthy (down), like monitoring plugins.
 */
export const exitCodes = Object.freeze({
  /** Done; for `health`: healthy. */
  ok: 0,
  /** `health`: degraded. `cluster check`: problems found. */
  degraded: 1,
  /** `health`: unhealthy (Redis down or unreachable). */
  unhealthy: 2,
  /** The operation failed (a Redis error, a migration or rebalance that did not finish). */
  failed: 3,
  /** Bad input: an unknown command or flag, a bad flag value, environment variable or layout file. */
  usage: 64,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM; the operation is resumable: run the same command again. */
  interrupted: 130,
});

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
