import {
  createPartitionedRedis,
  fileCheckpointStore,
  MigrationError,
  type PartitionedRedis,
  type RebalancePlan,
  type TransferMethod,
} from '@redgrid/partitioning';
import type { CliIo } from '../cli/cli-io.js';
import { CliUsageError } from '../cli/cli-usage-error.js';
import { type ExitCode, exitCodes } from '../cli/exit-codes.js';
import { type Flags, numberFlag, parseFlags, stringFlag } from '../cli/parse-flags.js';
import { formatCount, formatDuration, formatRatio, toJson } from '../output/format.js';
import { createProgress } from '../output/progress.js';
import { renderTable } from '../output/table.js';
import type { Command } from './command.js';
import { layoutFlags, requireCurrentLayout, targetFlags, targetLayout } from './partition-input.js';

const planFlags = {
  ...layoutFlags,
  ...targetFlags,
  exact: {
    type: 'boolean',
    description: 'scan every node and count exactly which keys move (slower)',
  },
  json: { type: 'boolean', description: 'print the plan as JSON' },
} as const;

const migrateFlags = {
  ...planFlags,
  'dry-run': { type: 'boolean', description: 'scan and count what would move, moving nothing' },
  'batch-size': {
    type: 'string',
    value: 'N',
    description: 'keys per SCAN page and transfer batch (default 500)',
  },
  transfer: {
    type: 'string',
    value: 'auto|migrate|dump-restore',
    description: 'how keys are copied (default auto)',
  },
  'checkpoint-file': {
    type: 'string',
    value: 'FILE',
    description: 'keep the resume checkpoint in this file instead of on the source nodes',
  },
  restart: {
    type: 'boolean',
    description: 'ignore saved checkpoints and scan every source from the start',
  },
} as const;

/** Opens the current layout and plans the move to the target one. */
async function plan(
  flags: Flags,
  io: CliIo,
): Promise<{ partitioned: PartitionedRedis; plan: RebalancePlan }> {
  const cwd = io.cwd ?? process.cwd();
  const current = await requireCurrentLayout(flags, io.env, cwd);
  const target = await targetLayout(flags, current, io.env, cwd);
  const partitioned = createPartitionedRedis({
    nodes: current.nodes,
    strategy: current.strategy,
    connectionOptions: { name: 'redgrid-cli' },
  });
  try {
    const planned = await partitioned.planRebalance(target.nodes, {
      strategy: target.strategy,
      exact: flags.exact === true,
    });
    return { partitioned, plan: planned };
  } catch (error) {
    await partitioned.close({ timeoutMs: 1000 });
    throw error;
  }
}

function renderPlan(planned: RebalancePlan): string {
  let text = `plan ${planned.id}: ${planned.from.nodes.map((node) => node.id).join(', ')} -> ${planned.to.nodes.map((node) => node.id).join(', ')}\n`;
  if (planned.joining.length > 0) text += `joining: ${planned.joining.join(', ')}\n`;
  if (planned.leaving.length > 0) text += `leaving: ${planned.leaving.join(', ')}\n`;
  if (planned.moves.length === 0) return `${text}Nothing moves.\n`;
  text += renderTable(
    ['from', 'to', 'share', 'estimated keys', 'exact keys', 'arcs / spans'],
    planned.moves.map((move) => [
      move.from,
      move.to,
      formatRatio(move.estimatedShare),
      formatCount(move.estimatedKeys),
      formatCount(move.keys),
      String(move.arcs.length + move.spans.length),
    ]),
    { align: ['left', 'left', 'right', 'right', 'right', 'right'] },
  );
  text += `moves ${formatRatio(planned.estimatedMovedShare)} of the keys (the least any placement can: ${formatRatio(planned.idealMovedShare)})${planned.movedKeys === undefined ? '' : `, ${formatCount(planned.movedKeys)} keys`}\n`;
  for (const warning of planned.warnings) text += `warning: ${warning}\n`;
  return text;
}

/** `redgrid partition plan`. */
export const partitionPlanCommand: Command = {
  name: 'partition plan',
  summary: 'what a new client-side partition layout moves, node pair by node pair',
  help: `Usage: redgrid partition plan (--layout FILE | --node ID=HOST:PORT...)
                              (--to FILE | --add ID=HOST:PORT... | --remove ID...) [--exact] [--json]

Compares the current layout with the target (add, remove or reweight nodes, new ranges) and
lists which keys change node: ring arcs (consistent hashing) or key spans (ranges), with
estimated (DBSIZE) or, with --exact, counted keys. Changes nothing.
Exit code: 0 done, 3 failed, 64 bad flags or layout.`,
  flags: planFlags,
  async run(args, io) {
    const { flags } = parseFlags(args, planFlags, 'partition plan');
    const { partitioned, plan: planned } = await plan(flags, io);
    try {
      io.stdout.write(flags.json ? toJson(planned) : renderPlan(planned));
      return exitCodes.ok;
    } finally {
      await partitioned.close({ timeoutMs: 1000 });
    }
  },
};

/** `redgrid partition migrate`. */
export const partitionMigrateCommand: Command = {
  name: 'partition migrate',
  summary: 'move the keys to a new client-side partition layout (resumable)',
  help: `Usage: redgrid partition migrate (--layout FILE | --node ID=HOST:PORT...)
                                 (--to FILE | --add ID=HOST:PORT... | --remove ID...)
                                 [--dry-run] [--batch-size N] [--transfer auto|migrate|dump-restore]
                                 [--checkpoint-file FILE] [--restart] [--json]

Moves every key whose node changes, TTLs kept, never overwriting a newer copy on the target.
A checkpoint is saved after every batch (on each source node, or in --checkpoint-file): Ctrl-C
stops after the batch in flight, and running the same command again resumes where it stopped.
Applications keep reading through the old layout's fallback only if they follow the
migration (PartitionedRedis.followMigration); deploy the new layout once it completes.
Exit code: 0 done, 3 failed (run again to resume), 64 bad flags or layout, 130 interrupted.`,
  flags: migrateFlags,
  async run(args, io): Promise<ExitCode> {
    const { flags } = parseFlags(args, migrateFlags, 'partition migrate');
    const batchSize = numberFlag(flags, 'batch-size', {
      min: 1,
      max: 100_000,
      integer: true,
      example: '1000',
    });
    const transfer = stringFlag(flags, 'transfer') ?? 'auto';
    if (!['auto', 'migrate', 'dump-restore'].includes(transfer)) {
      throw new CliUsageError(
        '--transfer',
        `must be auto, migrate or dump-restore; got ${JSON.stringify(transfer)}`,
      );
    }
    const checkpointFile = stringFlag(flags, 'checkpoint-file');
    const { partitioned, plan: planned } = await plan(flags, io);
    const progress = createProgress(io.stderr, flags['dry-run'] ? 'scan' : 'migrate');
    try {
      const result = await partitioned.migrate(planned, {
        dryRun: flags['dry-run'] === true,
        transfer: transfer as TransferMethod,
        restart: flags.restart === true,
        ...(batchSize === undefined ? {} : { batchSize }),
        ...(checkpointFile === undefined
          ? {}
          : { checkpointStore: fileCheckpointStore(checkpointFile) }),
        ...(io.signal ? { signal: io.signal } : {}),
        onProgress(event) {
          const total = event.estimatedKeysToMove ?? event.scannedKeys;
          progress.update(
            Math.min(event.movedKeys, total),
            total,
            `${formatCount(event.scannedKeys)} scanned, ${formatCount(event.keysPerSecond)} keys/s, sources ${event.sourcesDone}/${event.sourcesTotal}`,
          );
        },
      });
      progress.stop();
      if (flags.json) {
        io.stdout.write(toJson(result));
        return exitCodes.ok;
      }
      let text = result.alreadyApplied ? 'Already applied: nothing to move.\n' : '';
      if (result.resumed)
        text += `Resumed an interrupted migration (${formatCount(result.previouslyMovedKeys)} keys moved before).\n`;
      if (result.moves.length > 0) {
        text += renderTable(
          ['from', 'to', result.dryRun ? 'would move' : 'moved'],
          result.moves.map((move) => [move.from, move.to, formatCount(move.keys)]),
          {
            align: ['left', 'left', 'right'],
          },
        );
      }
      text += result.dryRun
        ? `Dry run: ${formatCount(result.moves.reduce((sum, move) => sum + move.keys, 0))} keys would move (${formatCount(result.scannedKeys)} scanned).\n`
        : `Moved ${formatCount(result.movedKeys)} keys in ${formatDuration(result.elapsedMs)} (${formatCount(result.keysPerSecond)} keys/s); ${formatCount(result.alreadyOnTarget)} already on target, ${formatCount(result.expiredKeys)} expired, ${formatCount(result.vanishedKeys)} deleted meanwhile.\n`;
      if (result.conflicts.length > 0)
        text += `conflicts (changed on both nodes, left on both): ${result.conflicts.join(', ')}\n`;
      io.stdout.write(text);
      return exitCodes.ok;
    } catch (error) {
      if (MigrationError.isInstance(error) && error.reason === 'aborted') {
        progress.stop();
        io.stderr.write(
          `Interrupted after ${formatCount(error.movedKeys)} keys; the checkpoint is saved. Run the same command again to resume.\n`,
        );
        return exitCodes.interrupted;
      }
      throw error;
    } finally {
      progress.stop();
      await partitioned.close({ timeoutMs: 1000 });
    }
  },
};
