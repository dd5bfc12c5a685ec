import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.ClusterAdminError');

/**
 * Why a cluster operation (rebalance, fix, analysis) stopped:
 * - `not-cluster`: the connection is not a Redis Cluster connection.
 * - `unhealthy`: a master is unreachable or failing, or a slot has no owner; fix the cluster
 *   first (the message names the node or slot).
 * - `open-slots`: slots are half-migrated and fixing was turned off (`fix: false`).
 * - `unfixable`: a half-migrated slot in a state this tool will not decide alone (the message
 *   says which nodes hold what).
 * - `unknown-node`: an option names a node that is not a master of the cluster.
 * - `stale`: the cluster changed under the operation (a slot is no longer where the plan
 *   expected it); run it again, it plans from the new state.
 * - `aborted`: the `signal` fired; every slot in flight was completed first, so nothing is
 *   left half-migrated; run it again to continue.
 * - `failed`: a command failed (node down, timeout, ...); slots in flight may be left
 *   half-migrated: running the operation again fixes them first.
 */
export type ClusterAdminErrorReason =
  | 'not-cluster'
  | 'unhealthy'
  | 'open-slots'
  | 'unfixable'
  | 'unknown-node'
  | 'stale'
  | 'aborted'
  | 'failed';

/**
 * Thrown (code `ERR_CLUSTER_ADMIN`) by `rebalanceCluster`, `fixCluster`, `inspectCluster` and
 * `analyzeCluster` when they cannot start or do not finish. `slotsMoved` / `keysMoved` say how
 * far a rebalance got. Messages name the node (`host:port`) and the fix; never a password.
 */
export class ClusterAdminError extends RedGridError {
  readonly [marker] = true;
  readonly reason: ClusterAdminErrorReason;
  /** Slots whose move completed before the error. */
  readonly slotsMoved: number;
  /** Keys moved before the error. */
  readonly keysMoved: number;

  constructor(
    details: {
      reason: ClusterAdminErrorReason;
      message: string;
      slotsMoved?: number;
      keysMoved?: number;
    },
    options?: ErrorOptions,
  ) {
    super('ERR_CLUSTER_ADMIN', details.message, options);
    this.name = 'ClusterAdminError';
    this.reason = details.reason;
    this.slotsMoved = details.slotsMoved ?? 0;
    this.keysMoved = details.keysMoved ?? 0;
  }

  /** True for a `ClusterAdminError` from any copy of `@redgrid/partitioning`. */
  static override isInstance(value: unknown): value is ClusterAdminError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
