import type { CheckpointStore } from './checkpoint-store.js';
import type { TransferMethod } from './transfers.js';

/** Options of `PartitionedRedis.migrate`. */
export interface MigrateOptions {
  /**
   * Keys per SCAN page and per transfer batch. Larger batches move faster (fewer round trips)
   * but hold each node a little longer per command. Default 500.
   */
  readonly batchSize?: number;
  /**
   * Scan and count what would move (exact counts per pair of nodes), without moving, without
   * checkpoints and without changing routing.
   */
  readonly dryRun?: boolean;
  /**
   * Stops the migration between two batches. The checkpoint is saved, routing keeps its
   * fallback, and `migrate` rejects with a `MigrationError` (reason `aborted`); call it again
   * with the same plan to resume.
   */
  readonly signal?: AbortSignal;
  /** How keys are copied; see {@link TransferMethod}. Default `'auto'`. */
  readonly transfer?: TransferMethod;
  /** Timeout of one MIGRATE command (server to server). Default 10 000. */
  readonly migrateTimeoutMs?: number;
  /** Source nodes migrated at the same time. Default 4. */
  readonly concurrency?: number;
  /** Ignore saved checkpoints and scan every source from the start (still idempotent). */
  readonly restart?: boolean;
  /** Where checkpoints are kept. Default: on each source node (see `CheckpointStore`). */
  readonly checkpointStore?: CheckpointStore;
  /** Called after every batch (also emitted as the `migrationProgress` event). */
  readonly onProgress?: (progress: MigrationProgress) => void;
}

/** Counters of a migration (or of one source node of it). */
export interface MigrationCounters {
  /** Keys scanned on the sources, moving or not. */
  readonly scannedKeys: number;
  /** Keys copied to their new owner and deleted from the old one. */
  readonly movedKeys: number;
  /** Keys the new owner already had (written during the migration): source copy dropped. */
  readonly alreadyOnTarget: number;
  /** Keys that expired while being moved. */
  readonly expiredKeys: number;
  /** Keys deleted on the source while being moved (not resurrected). */
  readonly vanishedKeys: number;
  /** Keys the new layout cannot route (`UnroutableKeyError`): left where they are. */
  readonly unroutableKeys: number;
}

/** Where a migration stands, after each batch. */
export interface MigrationProgress extends MigrationCounters {
  readonly planId: string;
  readonly dryRun: boolean;
  /** The source node whose batch just finished. */
  readonly source: string;
  /** Source nodes scanned to the end / all source nodes. */
  readonly sourcesDone: number;
  readonly sourcesTotal: number;
  /** The plan's estimate of keys to move, if it had one. */
  readonly estimatedKeysToMove: number | undefined;
  /** movedKeys (plus keys already moved before a resume) / estimate, capped at 1. */
  readonly fractionDone: number | undefined;
  readonly elapsedMs: number;
  /** Keys moved per second in this call. */
  readonly keysPerSecond: number;
}

/** What a finished migration did. */
export interface MigrationResult extends MigrationCounters {
  readonly planId: string;
  readonly dryRun: boolean;
  /** True when a checkpoint of an earlier, interrupted attempt was found and continued. */
  readonly resumed: boolean;
  /** Keys the interrupted attempts had already moved (from the checkpoints). */
  readonly previouslyMovedKeys: number;
  /** True when the instance already used the plan's target layout: nothing was done. */
  readonly alreadyApplied: boolean;
  /** Keys moved (or, in a dry run, that would move) per pair of nodes, largest first. */
  readonly moves: readonly {
    readonly from: string;
    readonly to: string;
    readonly keys: number;
  }[];
  /** Keys changed on both nodes during the move: left on both, check them (first 100). */
  readonly conflicts: readonly string[];
  /** How each pair of nodes was transferred. */
  readonly transfers: readonly {
    readonly from: string;
    readonly to: string;
    readonly method: 'migrate' | 'dump-restore';
  }[];
  readonly elapsedMs: number;
  /** movedKeys / elapsed seconds. */
  readonly keysPerSecond: number;
}
