import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.MissingPeerDependencyError');

/**
 * An optional peer dependency that a feature needs is not installed (for example `prom-client`
 * for `metricsHandler`). The message names the package and the command that installs it.
 * Nothing else is affected: the rest of `@redgrid/express` works without it.
 */
export class MissingPeerDependencyError extends RedGridError {
  readonly [marker] = true;
  /** The npm package to install, e.g. `prom-client`. */
  readonly packageName: string;
  /** The feature that needs it, e.g. `metricsHandler()`. */
  readonly feature: string;

  constructor(details: { packageName: string; feature: string }, options?: ErrorOptions) {
    super(
      'ERR_MISSING_PEER_DEPENDENCY',
      `${details.feature} needs the optional peer dependency "${details.packageName}", which is not installed: run \`npm install ${details.packageName}\` (or pnpm add / yarn add) in your application`,
      options,
    );
    this.name = 'MissingPeerDependencyError';
    this.packageName = details.packageName;
    this.feature = details.feature;
  }

  /** True for a `MissingPeerDependencyError` from any copy of the package. */
  static override isInstance(value: unknown): value is MissingPeerDependencyError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
