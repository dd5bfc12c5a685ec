import { RedGridError } from '@redgrid/core';

// The same marker as the error @redgrid/express exported before it moved here, so that
// `isInstance` recognises errors from either package.
const marker = Symbol.for('redgrid.error.MissingPeerDependencyError');

/**
 * An optional peer dependency that a feature needs is not installed (`prom-client` for
 * Prometheus, `@opentelemetry/api` for OpenTelemetry's global meter). The message names the
 * package and the command that installs it; nothing else is affected.
 */
export class MissingPeerDependencyError extends RedGridError {
  readonly [marker] = true;
  /** The npm package to install, e.g. `prom-client`. */
  readonly packageName: string;
  /** The feature that needs it, e.g. `observeRedGrid({ registry })`. */
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
