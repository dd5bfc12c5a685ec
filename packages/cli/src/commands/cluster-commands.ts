import {
  type ClusterRebalancePlan,
  type ClusterRebalanceResult,
  fixCluster,
  formatSlotRanges,
  inspectCluster,
  rebalanceCluster,
} from '@redgrid/partitioning';
import type { CliIo } from '../cli/cli-io.js';
import { CliUsageError } from '../cli/cli-usage-error.js';
import { type ExitCode, exitCodes } from '../cli/exit-codes.js';
import { listFlag, numberFlag, parseFlags, stringFlag } from '../cli/parse-flags.js';
import { connectionFlags, loadCliConfig } from '../config/load-cli-config.js';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatPercent,
  toJson,
} from '../output/format.js';
import { createProgress } from '../output/progress.js';
import { renderTable } from '../output/table.js';
import type { Command } from './command.js';
import { withConnection } from './run-with-connection.js';

const rebalanceFlags = {
  ...connectionFlags,
  'use-empty-masters': {
    type: 'boolean',
    description: 'give slots to masters that have none (after adding a node)',
  },
  threshold: {
    type: 'string',
    value: 'PCT',
    description: 'only rebalance past this imbalance, in percent (default 2)',
  },
  by: {
    type: 'string',
    value: 'slots|memory',
    description: 'even out slot counts (default) or estimated memory',
  },
  remove: {
    type: 'string',
    multiple: true,
    value: 'NODE',
    description: 'drain this master (host:port or node id), repeatable: how a cluster shrinks',
  },
  weight: {
    type: 'string',
    multiple: true,
    value: 'NODE=W',
    description: 'relative weight of a master (default 1), repeatable',
  },
  'dry-run': {
    type: 'boolean',
    description: 'print the plan (and half-moved slots) without changing anything',
  },
  'slots-per-batch': {
    type: 'string',
    value: 'N',
    description: 'slots moved together per master pair (default 256)',
  },
  concurrency: {
    type: 'string',
    value: 'N',
    description: 'master pairs moving at once (default 8)',
  },
  json: { type: 'boolean', description: 'print the result as JSON' },
} as const;

/** A plan's moves as JSON-friendly rows: slot counts and ranges, not 4096 numbers. */
function planForJson(plan: ClusterRebalancePlan) {
  return {
    ...plan,
    moves: plan.moves.map(({ slots, ...move }) => ({
      ...move,
      slots: slots.length,
      slotRanges: formatSlotRanges(slots),
    })),
  };
}

function renderPlan(plan: ClusterRebalancePlan): string {
  const memory = plan.by === 'memory';
  let text = renderTable(
    [
      'master',
      'weight',
      'slots',
      'after',
      memory ? 'bytes' : 'keys',
      'after',
      'off share',
      'after',
    ],
    plan.masters.map((master) => [
      master.address,
      master.weight,
      formatCount(master.slotsBefore),
      formatCount(master.slotsAfter),
      memory ? formatBytes(master.bytesBefore) : formatCount(master.keysBefore),
      memory ? formatBytes(master.bytesAfter) : formatCount(master.keysAfter),
      formatPercent(master.deviationBeforePercent),
      formatPercent(master.deviationAfterPercent),
    ]),
  );
  if (!plan.needed)
    return `${text}No rebalancing needed: every master is within ${plan.thresholdPercent}% of its share.\n`;
  text += renderTable(
    ['from', 'to', 'slots', 'ranges', 'keys', 'bytes'],
    plan.moves.map((move) => [
      move.fromAddress,
      move.toAddress,
      formatCount(move.slots.length),
      formatSlotRanges(move.slots, 3),
      formatCount(move.keys),
      formatBytes(move.bytes),
    ]),
    { align: ['left', 'left', 'right', 'left', 'right', 'right'] },
  );
  return `${text}Plan (by ${plan.by}): move ${formatCount(plan.slotsToMove)} slots, about ${formatCount(plan.keysToMove)} keys.\n`;
}

function renderResult(result: ClusterRebalanceResult): string {
  let text = '';
  if (result.fix.fixes.length > 0) {
    const resumed = result.fix.fixes.filter((fix) => fix.action === 'resume').length;
    text += `${result.dryRun ? 'Would fix' : 'Fixed'} ${result.fix.fixes.length} half-moved slot(s) first (${resumed} moves finished, ${result.fix.fixes.length - resumed} closed; ${result.fix.keysMoved} keys moved).\n`;
  }
  text += renderPlan(result.plan);
  for (const warning of result.warnings) text += `warning: ${warning}\n`;
  if (!result.dryRun && result.plan.needed) {
    text += `Moved ${formatCount(result.slotsMoved)} slots and ${formatCount(result.keysMoved)} keys in ${formatDuration(result.elapsedMs)}.\n`;
    text += renderTable(
      ['master', 'slots'],
      result.masters.map((master) => [master.address, formatCount(master.slots)]),
    );
  }
  return text;
}

/** `redgrid cluster rebalance`. */
export const clusterRebalanceCommand: Command = {
  name: 'cluster rebalance',
  summary: 'grow, shrink or even out a live Redis Cluster (resumable)',
  help: `Usage: redgrid cluster rebalance [--use-empty-masters] [--threshold PCT] [--by slots|memory]
                                [--remove NODE]... [--weight NODE=W]... [--dry-run] [--json]

Moves hash slots between masters under live traffic (CLUSTER SETSLOT IMPORTING/MIGRATING/NODE,
batched MIGRATE that keeps TTLs). Half-moved slots left by an interrupted run (Ctrl-C twice, a
crash, kill -9) are finished first, so running the same command again always completes it.
Ctrl-C stops after the slots in flight (nothing left half-moved); press it again to quit at once.

Grow:   redis-cli --cluster add-node NEW:PORT ANY:PORT, then redgrid cluster rebalance --use-empty-masters
Shrink: redgrid cluster rebalance --remove HOST:PORT  (the drained master becomes a replica;
        then redis-cli --cluster del-node ANY:PORT NODE_ID)
Exit code: 0 done (or nothing to do), 3 failed (run again), 64 bad flags, 130 interrupted (run again).`,
  flags: rebalanceFlags,
  async run(args: readonly string[], io: CliIo): Promise<ExitCode> {
    const { flags } = parseFlags(args, rebalanceFlags, 'cluster rebalance');
    const by = stringFlag(flags, 'by') ?? 'slots';
    if (by !== 'slots' && by !== 'memory')
      throw new CliUsageError('--by', `must be slots or memory; got ${JSON.stringify(by)}`);
    const weights: Record<string, number> = {};
    for (const text of listFlag(flags, 'weight')) {
      const equals = text.lastIndexOf('=');
      const weight = Number(text.slice(equals + 1));
      if (equals <= 0 || !Number.isFinite(weight) || weight < 0) {
        throw new CliUsageError(
          '--weight',
          `${JSON.stringify(text)} is not NODE=WEIGHT with a weight >= 0; e.g. --weight 10.0.0.1:7000=2`,
        );
      }
      weights[text.slice(0, equals)] = weight;
    }
    const thresholdPercent = numberFlag(flags, 'threshold', { min: 0, max: 100, example: '5' });
    const slotsPerBatch = numberFlag(flags, 'slots-per-batch', {
      min: 1,
      max: 16384,
      integer: true,
      example: '128',
    });
    const concurrency = numberFlag(flags, 'concurrency', {
      min: 1,
      max: 64,
      integer: true,
      example: '4',
    });
    const config = loadCliConfig(io.env, flags);
    const json = flags.json === true;
    return withConnection(config, async (connection) => {
      const progress = createProgress(io.stderr, 'rebalance');
      try {
        const result = await rebalanceCluster(connection, {
          by,
          useEmptyMasters: flags['use-empty-masters'] === true,
          remove: listFlag(flags, 'remove'),
          weights,
          dryRun: flags['dry-run'] === true,
          ...(thresholdPercent === undefined ? {} : { thresholdPercent }),
          ...(slotsPerBatch === undefined ? {} : { slotsPerBatch }),
          ...(concurrency === undefined ? {} : { concurrency }),
          ...(io.signal ? { signal: io.signal } : {}),
          onProgress(event) {
            if (event.phase === 'moving') {
              const rate = `${formatCount(event.keysMoved)} keys, ${formatCount(event.keysPerSecond)} keys/s`;
              progress.update(event.slotsMoved, event.slotsTotal, rate);
            }
          },
        });
        progress.stop();
        io.stdout.write(
          json ? toJson({ ...result, plan: planForJson(result.plan) }) : renderResult(result),
        );
        return exitCodes.ok;
      } finally {
        progress.stop();
      }
    });
  },
};

const fixFlags = {
  ...connectionFlags,
  'dry-run': { type: 'boolean', description: 'print what would be done' },
  json: { type: 'boolean', description: 'print the result as JSON' },
} as const;

/** `redgrid cluster fix`. */
export const clusterFixCommand: Command = {
  name: 'cluster fix',
  summary: 'settle half-moved slots (like redis-cli --cluster fix for open slots)',
  help: `Usage: redgrid cluster fix [--dry-run] [--json]

Finishes moves that were interrupted (remaining keys migrated to the target, then ownership
given to it on every master) or, when the target is unknown, closes them on the owner.
Exit code: 0 done, 3 failed or a slot that cannot be settled, 64 bad flags.`,
  flags: fixFlags,
  async run(args, io) {
    const { flags } = parseFlags(args, fixFlags, 'cluster fix');
    const config = loadCliConfig(io.env, flags);
    return withConnection(config, async (connection) => {
      const result = await fixCluster(connection, { dryRun: flags['dry-run'] === true });
      if (flags.json) {
        io.stdout.write(toJson(result));
        return exitCodes.ok;
      }
      if (result.fixes.length === 0) {
        io.stdout.write('No half-moved slot: nothing to fix.\n');
        return exitCodes.ok;
      }
      const snapshot = await inspectCluster(connection);
      const address = (id: string) =>
        snapshot.nodes.find((node) => node.id === id)?.address ?? id.slice(0, 8);
      io.stdout.write(
        renderTable(
          ['slot', 'action', 'owner', 'final owner', 'keys on owner', 'stray keys'],
          result.fixes.map((fix) => [
            fix.slot,
            fix.action,
            address(fix.owner),
            address(fix.finalOwner),
            fix.ownerKeys,
            fix.strays.reduce((sum, stray) => sum + stray.keys, 0),
          ]),
        ),
      );
      for (const conflict of result.conflicts) {
        io.stdout.write(
          `conflict: slot ${conflict.slot} keys left on ${conflict.node} (the owner has them too): ${conflict.keys.join(', ')}\n`,
        );
      }
      for (const warning of result.warnings) io.stdout.write(`warning: ${warning}\n`);
      io.stdout.write(
        flags['dry-run']
          ? `Would settle ${result.fixes.length} slot(s).\n`
          : `Settled ${result.fixes.length} slot(s), ${result.keysMoved} keys moved.\n`,
      );
      return exitCodes.ok;
    });
  },
};

const checkFlags = {
  ...connectionFlags,
  json: { type: 'boolean', description: 'print the snapshot as JSON' },
} as const;

/** `redgrid cluster check`. */
export const clusterCheckCommand: Command = {
  name: 'cluster check',
  summary: 'masters, replicas, slot coverage and half-moved slots (read-only)',
  help: `Usage: redgrid cluster check [--json]

Asks every node for its own view (CLUSTER NODES) and reports slot owners, half-moved slots,
uncovered slots and unreachable or failing nodes.
Exit code: 0 healthy, 1 problems found, 64 bad flags.`,
  flags: checkFlags,
  async run(args, io) {
    const { flags } = parseFlags(args, checkFlags, 'cluster check');
    const config = loadCliConfig(io.env, flags);
    return withConnection(config, async (connection) => {
      const snapshot = await inspectCluster(connection);
      const healthy = snapshot.problems.length === 0 && snapshot.openSlots.length === 0;
      if (flags.json) {
        const { slotOwners: _owners, ...rest } = snapshot;
        io.stdout.write(toJson({ healthy, ...rest }));
        return healthy ? exitCodes.ok : exitCodes.degraded;
      }
      io.stdout.write(
        renderTable(
          ['node', 'id', 'role', 'slots', 'ranges', 'replicas'],
          snapshot.masters.map((node) => {
            const owned = node.slots.filter((slot) => snapshot.slotOwners[slot] === node.id);
            return [
              node.address,
              node.id.slice(0, 8),
              node.reachable ? 'master' : 'master (unreachable)',
              formatCount(owned.length),
              formatSlotRanges(owned, 3) || '-',
              snapshot.nodes.filter((replica) => replica.masterId === node.id).length,
            ];
          }),
          { align: ['left', 'left', 'left', 'right', 'left', 'right'] },
        ),
      );
      if (snapshot.openSlots.length > 0) {
        io.stdout.write(
          `${snapshot.openSlots.length} half-moved slot(s): ${formatSlotRanges(snapshot.openSlots, 5)}; run redgrid cluster fix\n`,
        );
      }
      for (const problem of snapshot.problems) io.stdout.write(`problem: ${problem}\n`);
      io.stdout.write(healthy ? 'OK: all 16384 slots covered, no half-moved slot.\n' : '');
      return healthy ? exitCodes.ok : exitCodes.degraded;
    });
  },
};
