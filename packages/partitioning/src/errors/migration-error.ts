import { RedGridError } from '@redgrid/core';

const marker = Symbol.for('redgrid.error.MigrationError');

/**
 * Why a migration stopped:
 * - `aborted`: the `signal` fired; the checkpoint is saved, run `migrate` again to resume.
 * - `failed`: a command failed (node down, timeout...); the checkpoint of the last complete
 *   batch is saved, run `migrate` again to resume once the node is back.
 * - `stale-plan`: the plan was made for another layout than the current one; plan again.
 * - `unknown-node`: the plan names a node whose connection settings this instance does not
 *   have; make the plan with `planRebalance` on this instance (it takes the configs).
 * - `busy`: another migration is running in this instance.
 */
export type MigrationErrorReason = 'aborted' | 'failed' | 'stale-plan' | 'unknown-node' | 'busy';

/**
 * Thrown (code `ERR_MIGRATION`) when `migrate` cannot start or does not finish. Reads and
 * writes stay correct after it: the instance keeps routing with fallback to the old owners
 * until a later `migrate` of the same plan completes. `movedKeys` says how far it got.
 */
export class MigrationError extends RedGridError {
  readonly [marker] = true;
  readonly reason: MigrationErrorReason;
  /** Id of the plan being executed. */
  readonly planId: string;
  /** Keys moved by this call before it stopped. */
  readonly movedKeys: number;

  constructor(
    details: {
      reason: MigrationErrorReason;
      planId: string;
      movedKeys?: number;
      message: string;
    },
    options?: ErrorOptions,
  ) {
    super('ERR_MIGRATION', details.message, options);
    this.name = 'MigrationError';
    this.reason = details.reason;
    this.planId = details.planId;
    this.movedKeys = details.movedKeys ?? 0;
  }

  /** True for a `MigrationError` from any copy of `@redgrid/partitioning`. */
  static override isInstance(value: unknown): value is MigrationError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
