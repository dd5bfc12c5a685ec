import type { Environment } from '@redgrid/core';
import { CliUsageError } from '../cli/cli-usage-error.js';
import { type FlagSpecs, type Flags, listFlag, stringFlag } from '../cli/parse-flags.js';
import { parseAddress } from '../config/load-cli-config.js';
import {
  layoutFromNodeFlags,
  type PartitionLayoutInput,
  parseLayout,
  readLayoutFile,
} from '../config/partition-layout.js';

/** Flags naming the current partition layout. */
export const layoutFlags: FlagSpecs = {
  layout: {
    type: 'string',
    value: 'FILE',
    description: 'the partition layout file (JSON; default: REDGRID_PARTITIONS)',
  },
  node: {
    type: 'string',
    multiple: true,
    value: 'ID=HOST:PORT',
    description: 'a node of a consistent-hash layout, repeatable (instead of --layout)',
  },
};

/** Flags naming the target layout of a plan or migration. */
export const targetFlags: FlagSpecs = {
  to: { type: 'string', value: 'FILE', description: 'the new layout file (nodes and strategy)' },
  add: {
    type: 'string',
    multiple: true,
    value: 'ID=HOST:PORT',
    description: 'add a node to the current layout, repeatable',
  },
  remove: {
    type: 'string',
    multiple: true,
    value: 'ID',
    description: 'remove a node from the current layout, repeatable',
  },
};

/** The current layout from --layout, --node or REDGRID_PARTITIONS; undefined when none is given. */
export async function currentLayout(
  flags: Flags,
  env: Environment,
  cwd: string,
): Promise<PartitionLayoutInput | undefined> {
  const file = stringFlag(flags, 'layout');
  const nodes = listFlag(flags, 'node');
  if (file !== undefined && nodes.length > 0) {
    throw new CliUsageError(
      '--node',
      'cannot be combined with --layout; list the nodes in the file',
    );
  }
  if (nodes.length > 0) return layoutFromNodeFlags(nodes, env);
  if (file !== undefined) return readLayoutFile(file, '--layout', env, cwd);
  const fromEnv = env.REDGRID_PARTITIONS;
  if (fromEnv !== undefined && fromEnv.trim() !== '')
    return readLayoutFile(fromEnv, 'REDGRID_PARTITIONS', env, cwd);
  return undefined;
}

/** The current layout, required. */
export async function requireCurrentLayout(
  flags: Flags,
  env: Environment,
  cwd: string,
): Promise<PartitionLayoutInput> {
  const layout = await currentLayout(flags, env, cwd);
  if (!layout) {
    throw new CliUsageError(
      '--layout',
      'no partition layout given; pass --layout layout.json, --node id=host:port (repeatable), or set REDGRID_PARTITIONS=layout.json',
    );
  }
  return layout;
}

/** The target layout: --to FILE, or the current one with --add / --remove applied. */
export async function targetLayout(
  flags: Flags,
  current: PartitionLayoutInput,
  env: Environment,
  cwd: string,
): Promise<PartitionLayoutInput> {
  const file = stringFlag(flags, 'to');
  const added = listFlag(flags, 'add');
  const removed = listFlag(flags, 'remove');
  if (file !== undefined && added.length + removed.length > 0) {
    throw new CliUsageError(
      '--to',
      'cannot be combined with --add or --remove; put the whole new node list in the file',
    );
  }
  if (file !== undefined) return readLayoutFile(file, '--to', env, cwd);
  if (added.length + removed.length === 0) {
    throw new CliUsageError(
      '--to',
      'no target given; pass --to new-layout.json, or --add id=host:port / --remove id',
    );
  }
  const known = new Set(current.nodes.map((node) => node.id));
  for (const id of removed) {
    if (!known.has(id))
      throw new CliUsageError(
        '--remove',
        `${JSON.stringify(id)} is not a node of ${current.origin}; nodes: ${[...known].join(', ')}`,
      );
  }
  const additions = added.map((text) => {
    const equals = text.indexOf('=');
    if (equals <= 0)
      throw new CliUsageError(
        '--add',
        `${JSON.stringify(text)} is not id=host:port; e.g. --add cache-4=10.0.0.4:6379`,
      );
    const address = parseAddress(text.slice(equals + 1), '--add');
    return { id: text.slice(0, equals), host: address.host, port: address.port };
  });
  const extra = parseLayout({ nodes: additions }, '--add', env);
  return {
    nodes: [...current.nodes.filter((node) => !removed.includes(node.id)), ...extra.nodes],
    strategy: current.strategy,
    origin: `${current.origin} with --add/--remove`,
  };
}
