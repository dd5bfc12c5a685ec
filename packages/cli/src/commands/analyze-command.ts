import {
  analyzeCluster,
  analyzePartitions,
  type ClusterAnalysis,
  createPartitionedRedis,
  type LocatedSampledKey,
  type NodeTraffic,
  type PartitionAnalysis,
} from '@redgrid/partitioning';
import type { CliIo } from '../cli/cli-io.js';
import { type ExitCode, exitCodes } from '../cli/exit-codes.js';
import { numberFlag, parseFlags, stringFlag } from '../cli/parse-flags.js';
import { connectionFlags, loadCliConfig } from '../config/load-cli-config.js';
import { formatBytes, formatCount, formatPercent, formatRatio, toJson } from '../output/format.js';
import { renderTable } from '../output/table.js';
import type { Command } from './command.js';
import { currentLayout, layoutFlags } from './partition-input.js';
import { withConnection } from './run-with-connection.js';

const flags = {
  ...connectionFlags,
  ...layoutFlags,
  sample: {
    type: 'string',
    value: 'N',
    description: 'keys sampled per node with SCAN + MEMORY USAGE (default 10000)',
  },
  top: { type: 'string', value: 'N', description: 'biggest / hottest keys listed (default 10)' },
  threshold: {
    type: 'string',
    value: 'PCT',
    description:
      'imbalance that calls for a rebalance, in percent (default 2 cluster, 10 partitions)',
  },
  match: {
    type: 'string',
    value: 'PATTERN',
    description: 'sample only keys matching this SCAN pattern',
  },
  json: { type: 'boolean', description: 'print the analysis as JSON' },
} as const;

function renderKeys(
  title: string,
  keys: readonly LocatedSampledKey[] | undefined,
  note: string | undefined,
  score: 'bytes' | 'frequency',
): string {
  if (keys === undefined) return `${title}: ${note ?? 'not available'}\n`;
  if (keys.length === 0) return `${title}: no key sampled\n`;
  return `${title}:\n${renderTable(
    ['key', 'type', score === 'bytes' ? 'bytes' : 'LFU counter', 'node'],
    keys.map((key) => [
      key.key,
      key.type,
      score === 'bytes' ? formatBytes(key.bytes) : String(key.frequency ?? '-'),
      key.node,
    ]),
    { align: ['left', 'left', 'right', 'left'] },
  )}`;
}

/** Reads and writes per data node: where replica reads (REDIS_READ_FROM) land. */
function renderTraffic(traffic: readonly NodeTraffic[]): string {
  if (traffic.length === 0) return '';
  return `reads and writes served per node (since each started):\n${renderTable(
    ['node', 'role', 'reads', 'read share', 'writes'],
    traffic.map((node) => [
      node.address,
      node.role,
      formatCount(node.reads),
      formatRatio(node.readShare),
      formatCount(node.writes),
    ]),
    { align: ['left', 'left', 'right', 'right', 'right'] },
  )}`;
}

function renderCluster(analysis: ClusterAnalysis): string {
  let text = renderTable(
    [
      'master',
      'slots',
      'keys',
      'used',
      'max',
      'used/max',
      'bytes/key',
      'evicted',
      'frag',
      'sampled',
    ],
    analysis.masters.map((master) => [
      master.address,
      formatCount(master.slots),
      formatCount(master.keys),
      formatBytes(master.memory.usedBytes),
      master.memory.maxBytes > 0 ? formatBytes(master.memory.maxBytes) : 'unlimited',
      formatRatio(master.memory.ratio),
      formatBytes(master.bytesPerKey),
      formatCount(master.memory.evictedKeys),
      master.memory.fragmentationRatio?.toFixed(2) ?? '-',
      `${formatCount(master.sampledKeys)}${master.complete ? ' (all)' : ''}`,
    ]),
  );
  text += `keys per master: max ${formatCount(analysis.keys.max)}, mean ${formatCount(analysis.keys.mean)} (max/mean ${analysis.keys.maxOverMean.toFixed(2)}); memory: max ${formatBytes(analysis.usedBytes.max)}, mean ${formatBytes(analysis.usedBytes.mean)} (max/mean ${analysis.usedBytes.maxOverMean.toFixed(2)})\n`;
  const ranges = analysis.masters.flatMap((master) =>
    master.ranges.map((range) => [
      master.address,
      range.from === range.to ? String(range.from) : `${range.from}-${range.to}`,
      formatCount(range.to - range.from + 1),
      formatCount(range.keys),
    ]),
  );
  text += `slot ranges:\n${renderTable(['master', 'range', 'slots', 'keys'], ranges.slice(0, 40))}`;
  if (ranges.length > 40) text += `... ${ranges.length - 40} more ranges (--json lists all)\n`;
  text += renderKeys('biggest keys (sampled)', analysis.biggest, undefined, 'bytes');
  text += renderKeys('hottest keys (sampled)', analysis.hottest, analysis.hottestNote, 'frequency');
  const { bySlots, byMemory } = analysis.balance;
  text += bySlots.needed
    ? `to balance slots: move ${formatCount(bySlots.slotsToMove)} slots (~${formatCount(bySlots.keysToMove)} keys): redgrid cluster rebalance\n`
    : 'slots: balanced\n';
  text += byMemory.needed
    ? `to balance memory: move ${formatCount(byMemory.slotsToMove)} slots (~${formatBytes(byMemory.bytesToMove)}): redgrid cluster rebalance --by memory\n`
    : 'memory: balanced\n';
  if (analysis.openSlots > 0)
    text += `${analysis.openSlots} half-moved slot(s): run redgrid cluster fix\n`;
  for (const problem of analysis.problems) text += `problem: ${problem}\n`;
  text += renderTraffic(analysis.traffic);
  return text;
}

function renderPartitions(analysis: PartitionAnalysis): string {
  let text = renderTable(
    [
      'node',
      'address',
      'weight',
      'keys',
      'share',
      'expected',
      'off',
      'used',
      'used/max',
      'misplaced',
    ],
    analysis.nodes.map((node) => [
      node.id,
      node.address,
      node.weight,
      formatCount(node.keys),
      formatRatio(node.share),
      formatRatio(node.expectedShare),
      formatPercent(node.deviationPercent),
      formatBytes(node.memory.usedBytes),
      formatRatio(node.memory.ratio),
      formatCount(node.misplacedKeys),
    ]),
  );
  text += `keys per node: max ${formatCount(analysis.keys.max)}, mean ${formatCount(analysis.keys.mean)} (max/mean ${analysis.keys.maxOverMean.toFixed(2)})\n`;
  if (analysis.ranges) {
    text += `ranges:\n${renderTable(
      ['node', 'from', 'to', 'keys'],
      analysis.ranges.map((range) => [
        range.node,
        range.from === undefined ? '-inf' : String(range.from),
        range.to === undefined ? '+inf' : String(range.to),
        formatCount(range.keys),
      ]),
    )}`;
  }
  text += renderKeys('biggest keys (sampled)', analysis.biggest, undefined, 'bytes');
  text += renderKeys('hottest keys (sampled)', analysis.hottest, analysis.hottestNote, 'frequency');
  const { balance } = analysis;
  if (!balance.needed)
    text += `balanced: every node within ${balance.thresholdPercent}% of its share\n`;
  else if (balance.weights)
    text += `to balance: weights ${JSON.stringify(balance.weights)} (put them in the layout file, then redgrid partition plan --to it)\n`;
  else if (balance.ranges)
    text += `to balance: ranges ${JSON.stringify(balance.ranges)} (put them in the layout file, then redgrid partition plan --to it)\n`;
  text += renderTraffic(analysis.traffic);
  return text;
}

/** `redgrid analyze`. */
export const analyzeCommand: Command = {
  name: 'analyze',
  summary: 'key and memory distribution, biggest and hottest keys, what balancing takes',
  help: `Usage: redgrid analyze [--json] [--sample N] [--top N] [--threshold PCT] [--match PATTERN]
                       [--layout FILE | --node ID=HOST:PORT...] [connection flags]

A Redis Cluster (REDIS_CLUSTER=true): keys and memory per master and slot range. Client-side
partitions (--layout, --node or REDGRID_PARTITIONS): per node and range. A single server or
Sentinel group: that one node. Sampling never blocks a server: SCAN with COUNT, MEMORY USAGE
with SAMPLES, OBJECT FREQ only under an LFU maxmemory-policy.
Exit code: 0 done, 3 failed, 64 bad flags or configuration.`,
  flags,
  async run(args: readonly string[], io: CliIo): Promise<ExitCode> {
    const { flags: parsed } = parseFlags(args, flags, 'analyze');
    const sample = numberFlag(parsed, 'sample', { min: 1, integer: true, example: '5000' });
    const top = numberFlag(parsed, 'top', { min: 1, max: 1000, integer: true, example: '20' });
    const thresholdPercent = numberFlag(parsed, 'threshold', { min: 0, max: 100, example: '5' });
    const match = stringFlag(parsed, 'match');
    const options = {
      ...(sample === undefined ? {} : { sampleKeys: sample }),
      ...(top === undefined ? {} : { top }),
      ...(thresholdPercent === undefined ? {} : { thresholdPercent }),
      ...(match === undefined ? {} : { match }),
    };
    const layout = await currentLayout(parsed, io.env, io.cwd ?? process.cwd());
    const write = (analysis: ClusterAnalysis | PartitionAnalysis) => {
      io.stdout.write(
        parsed.json
          ? toJson(analysis)
          : analysis.mode === 'cluster'
            ? renderCluster(analysis)
            : renderPartitions(analysis),
      );
      return exitCodes.ok;
    };
    if (layout) {
      const partitioned = createPartitionedRedis({
        nodes: layout.nodes,
        strategy: layout.strategy,
        connectionOptions: { name: 'redgrid-cli' },
      });
      try {
        return write(await analyzePartitions(partitioned, options));
      } finally {
        await partitioned.close({ timeoutMs: 1000 });
      }
    }
    const config = loadCliConfig(io.env, parsed);
    return withConnection(config, async (connection) => {
      if (config.type === 'cluster') return write(await analyzeCluster(connection, options));
      const partitioned = createPartitionedRedis({ nodes: [{ id: 'redis', connection, config }] });
      try {
        return write(await analyzePartitions(partitioned, options));
      } finally {
        await partitioned.close();
      }
    });
  },
};
