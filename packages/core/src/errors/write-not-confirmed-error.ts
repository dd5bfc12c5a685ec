import { RedGridError } from './redgrid-error.js';

const marker = Symbol.for('redgrid.error.WriteNotConfirmedError');

/** Why a write could not be confirmed by replicas. */
export type WriteNotConfirmedReason =
  /** `WAIT` returned fewer replicas than required within `REDIS_WAIT_TIMEOUT`. */
  | 'timeout'
  /** A failover started before the confirmation arrived: the replica that confirmed it may not be the one promoted. */
  | 'failover'
  /** The connection was lost after the write and before its confirmation. */
  | 'connection-lost';

/**
 * A write was sent with the write fence on (`REDIS_WAIT_REPLICAS` > 0) and could not be
 * confirmed by that many replicas, so it is not reported as done. Gotcha: the write may well
 * have been applied (and may even survive); what is missing is the guarantee that it survives
 * a failover. Retry it if it is safe to run twice, or read back to check.
 */
export class WriteNotConfirmedError extends RedGridError {
  readonly [marker] = true;
  /** Name of the write command, e.g. `SET` (no arguments). */
  readonly command: string;
  /** Replicas required (`REDIS_WAIT_REPLICAS`). */
  readonly replicasRequired: number;
  /** Replicas that confirmed, when `WAIT` answered (`reason` 'timeout'). */
  readonly replicasConfirmed: number | undefined;
  readonly reason: WriteNotConfirmedReason;

  constructor(
    details: {
      command: string;
      replicasRequired: number;
      replicasConfirmed?: number;
      reason: WriteNotConfirmedReason;
    },
    options?: ErrorOptions,
  ) {
    super('ERR_WRITE_NOT_CONFIRMED', describe(details), options);
    this.name = 'WriteNotConfirmedError';
    this.command = details.command;
    this.replicasRequired = details.replicasRequired;
    this.replicasConfirmed = details.replicasConfirmed;
    this.reason = details.reason;
  }

  /** True for a `WriteNotConfirmedError` from any copy of `@redgrid/core`. */
  static override isInstance(value: unknown): value is WriteNotConfirmedError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}

function describe(details: {
  command: string;
  replicasRequired: number;
  replicasConfirmed?: number;
  reason: WriteNotConfirmedReason;
}): string {
  const { command, replicasRequired: required } = details;
  const tail = 'it may have been applied, but is not known to survive a failover';
  switch (details.reason) {
    case 'timeout':
      return `Redis ${command} was confirmed by ${details.replicasConfirmed ?? 0} of ${required} required replicas within REDIS_WAIT_TIMEOUT; ${tail} (check the replicas, or lower REDIS_WAIT_REPLICAS)`;
    case 'failover':
      return `Redis ${command} was not confirmed before a failover started; ${tail}`;
    case 'connection-lost':
      return `Redis ${command} lost its connection before ${required} replica(s) confirmed it; ${tail}`;
  }
}
