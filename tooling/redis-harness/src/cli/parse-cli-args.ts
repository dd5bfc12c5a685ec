import { parseArgs } from 'node:util';
import { HarnessError } from '../errors/harness-error.js';

/** Topologies the CLI can start. */
export type CliTopology = 'standalone' | 'cluster' | 'sentinel';

/** Parsed command line of `pnpm redis:up`. */
export interface CliArgs {
  topology: CliTopology;
  seedPorts: boolean;
  password: string | undefined;
  tls: boolean;
  help: boolean;
}

/** Usage text of the CLI. */
export const cliUsage = `Usage: pnpm redis:up <standalone|cluster|sentinel> [options]

Starts a Redis topology in the foreground on loopback ports, prints its addresses and the
environment variables that point an app at it, and stops it on Ctrl-C / SIGTERM.

Options:
  --seed-ports       Use the documented ports when free: 6379 (standalone), 7000-7005
                     (cluster), 6379-6381 + 26379-26381 (sentinel); otherwise random free ports.
  --password <pw>    requirepass on every data node.
  --tls              TLS only, with a CA and certificates generated into the temp dir.
  -h, --help         Show this help.`;

/**
 * Parses the CLI arguments (pure). A leading `--` (from `pnpm redis:up -- cluster`) is ignored.
 * Throws `ERR_HARNESS_USAGE` with the usage text on anything unknown.
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new HarnessError('ERR_HARNESS_USAGE', `${(error as Error).message}\n\n${cliUsage}`);
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  const [topology, ...rest] = positionals;
  if (help)
    return { topology: 'standalone', seedPorts: false, password: undefined, tls: false, help };
  if (topology !== 'standalone' && topology !== 'cluster' && topology !== 'sentinel') {
    throw new HarnessError(
      'ERR_HARNESS_USAGE',
      `${topology === undefined ? 'Missing topology' : `Unknown topology ${JSON.stringify(topology)}`}: use standalone, cluster or sentinel.\n\n${cliUsage}`,
    );
  }
  if (rest.length > 0) {
    throw new HarnessError(
      'ERR_HARNESS_USAGE',
      `Unexpected argument ${JSON.stringify(rest[0])}.\n\n${cliUsage}`,
    );
  }
  return {
    topology,
    seedPorts: values['seed-ports'] === true,
    password: values.password,
    tls: values.tls === true,
    help,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      'seed-ports': { type: 'boolean' },
      password: { type: 'string' },
      tls: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
