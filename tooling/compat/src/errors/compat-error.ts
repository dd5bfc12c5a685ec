const marker = Symbol.for('redgrid.error.CompatError');

/**
 * Stable codes of {@link CompatError}; branch on these, not on messages.
 *
 * - `ERR_COMPAT_COMMAND`: a child command (turbo, pnpm, npm, tsc, vitest) exited non-zero.
 * - `ERR_COMPAT_NOT_INSTALLED`: a dependency the consumer needs is not installed in the
 *   workspace (run `pnpm install`).
 * - `ERR_COMPAT_REGISTRY_DATE`: a locked version was published after the committed registry
 *   date (run `pnpm compat:registry-date`).
 * - `ERR_COMPAT_PACK`: a packed tarball lacks its built entry points.
 * - `ERR_COMPAT_LOCK`: the build-and-pack lock stayed taken past its deadline.
 * - `ERR_COMPAT_README`: the README lacks the compatibility markers.
 * - `ERR_COMPAT_USAGE`: wrong command-line arguments.
 */
export type CompatErrorCode =
  | 'ERR_COMPAT_COMMAND'
  | 'ERR_COMPAT_NOT_INSTALLED'
  | 'ERR_COMPAT_REGISTRY_DATE'
  | 'ERR_COMPAT_PACK'
  | 'ERR_COMPAT_LOCK'
  | 'ERR_COMPAT_README'
  | 'ERR_COMPAT_USAGE';

/**
 * The one error type of the compat tooling (install tests and `pnpm test:compat`): a stable
 * `code` and a message naming the input and the fix. `CompatError.isInstance` works across
 * duplicated copies of this module.
 */
export class CompatError extends Error {
  readonly code: CompatErrorCode;
  readonly [marker] = true;

  constructor(code: CompatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompatError';
    this.code = code;
  }

  /** True for any CompatError, whichever copy of this module created it. */
  static isInstance(value: unknown): value is CompatError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
