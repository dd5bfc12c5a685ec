import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.ClusterModeError');

/**
 * Thrown (code `ERR_CLUSTER_MODE`) by operations that do not apply when the partitioned
 * instance wraps a Redis Cluster: the cluster owns placement (hash slots), so planning and
 * migrating are done with `redis-cli --cluster rebalance` / `reshard` (see the README). The
 * message names the command to use.
 */
export class ClusterModeError extends RedGridError {
  readonly [marker] = true;
  /** The operation that was refused, e.g. `planRebalance`. */
  readonly operation: string;

  constructor(details: { operation: string; message: string }, options?: ErrorOptions) {
    super('ERR_CLUSTER_MODE', details.message, options);
    this.name = 'ClusterModeError';
    this.operation = details.operation;
  }

  /** True for a `ClusterModeError` from any copy of `@redgrid/partitioning`. */
  static override isInstance(value: unknown): value is ClusterModeError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
