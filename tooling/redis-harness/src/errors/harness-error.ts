const marker = Symbol.for('redgrid.error.HarnessError');

/**
 * Stable codes of {@link HarnessError}; branch on these, not on messages.
 *
 * - `ERR_HARNESS_NO_BACKEND`: neither a `redis-server` binary nor a Docker engine was found.
 * - `ERR_HARNESS_BACKEND_CONFIG`: `REDIS_SERVER_BIN` / `REDIS_HARNESS_BACKEND` point at
 *   something unusable.
 * - `ERR_HARNESS_UNSUPPORTED`: the selected backend cannot do what was asked (e.g. a Cluster
 *   on the Testcontainers backend).
 * - `ERR_HARNESS_START`: a process (redis-server, openssl) failed to start or exited early.
 * - `ERR_HARNESS_PORTS`: no free loopback port could be found.
 * - `ERR_HARNESS_TIMEOUT`: a readiness wait, `waitFor` or a command passed its deadline.
 * - `ERR_HARNESS_REPLY`: Redis answered a harness command with an error reply.
 * - `ERR_HARNESS_CONNECTION`: a harness command could not reach the server.
 * - `ERR_HARNESS_STOPPED`: the topology was already stopped.
 * - `ERR_HARNESS_USAGE`: wrong options or arguments (also used by the CLI).
 */
export type HarnessErrorCode =
  | 'ERR_HARNESS_NO_BACKEND'
  | 'ERR_HARNESS_BACKEND_CONFIG'
  | 'ERR_HARNESS_UNSUPPORTED'
  | 'ERR_HARNESS_START'
  | 'ERR_HARNESS_PORTS'
  | 'ERR_HARNESS_TIMEOUT'
  | 'ERR_HARNESS_REPLY'
  | 'ERR_HARNESS_CONNECTION'
  | 'ERR_HARNESS_STOPPED'
  | 'ERR_HARNESS_USAGE';

/**
 * Every error the Redis test harness throws. Messages name the node, the deadline and, for
 * start and readiness failures, end with the tail of the failing node's log, so a failed
 * integration test can be diagnosed from its output alone. It extends `Error`, not
 * `RedGridError`: the harness depends on no RedGrid package, so that every package, core included,
 * can use it in its tests. Use `HarnessError.isInstance` when
 * two copies of the package may be loaded.
 */
export class HarnessError extends Error {
  readonly [marker] = true;
  readonly code: HarnessErrorCode;

  constructor(code: HarnessErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'HarnessError';
    this.code = code;
  }

  /** True for a `HarnessError` from any copy of `@redgrid/redis-harness`. */
  static isInstance(value: unknown): value is HarnessError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
