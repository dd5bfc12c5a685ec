/**
 * Progress of one source node of one migration, saved after every batch. A SCAN cursor is
 * stateless on the server, so a new process can continue from it; keys before it were already
 * moved (and are gone from the source), keys after it are still to do. Repeating a batch is
 * harmless, so saving after the batch (not atomically with it) is enough.
 */
export interface MigrationCheckpoint {
  /** The plan's id. */
  readonly planId: string;
  /** The source node. */
  readonly source: string;
  /** SCAN cursor to continue from ('0' with `done` false: not started or restarted). */
  readonly cursor: string;
  /** True when the source has been scanned to the end. */
  readonly done: boolean;
  /** Keys scanned so far (all, moving or not). */
  readonly scannedKeys: number;
  /** Keys moved so far (including those the target already had). */
  readonly movedKeys: number;
  /** When the migration of this source first started (ms since the epoch). */
  readonly startedAt: number;
  /** When this checkpoint was written (ms since the epoch). */
  readonly updatedAt: number;
}

/**
 * Where migration checkpoints are kept. The default keeps each source node's checkpoint in a
 * hash on that node (`__redgrid:partitioning:checkpoints`): as durable as the data it
 * describes (persistence, replicas), visible to any process that resumes, and gone with the
 * node when it is decommissioned. `fileCheckpointStore` keeps them in a JSON file instead, for
 * keyspaces that must hold no foreign key (then resume from the same machine).
 */
export interface CheckpointStore {
  load(planId: string, source: string): Promise<MigrationCheckpoint | undefined>;
  save(checkpoint: MigrationCheckpoint): Promise<void>;
  /** Forgets a checkpoint (the migration of that source is complete). */
  clear(planId: string, source: string): Promise<void>;
}
