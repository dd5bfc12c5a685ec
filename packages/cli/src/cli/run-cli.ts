import { ConfigError, RedGridError } from '@redgrid/core';
import { ClusterAdminError, ClusterModeError, MigrationError } from '@redgrid/partitioning';
import { analyzeCommand } from '../commands/analyze-command.js';
import {
  clusterCheckCommand,
  clusterFixCommand,
  clusterRebalanceCommand,
} from '../commands/cluster-commands.js';
import type { Command } from '../commands/command.js';
import { healthCommand } from '../commands/health-command.js';
import { partitionMigrateCommand, partitionPlanCommand } from '../commands/partition-commands.js';
import { toJson } from '../output/format.js';
import type { CliIo } from './cli-io.js';
import { CliUsageError } from './cli-usage-error.js';
import { type ExitCode, exitCodes } from './exit-codes.js';
import { describeFlags } from './parse-flags.js';

/** Every command, in the order `redgrid --help` lists them. */
const commands: readonly Command[] = [
  healthCommand,
  analyzeCommand,
  clusterRebalanceCommand,
  clusterFixCommand,
  clusterCheckCommand,
  partitionPlanCommand,
  partitionMigrateCommand,
];

const overview = `redgrid: operate Redis with the RedGrid configuration (REDIS_* environment variables).

Usage: redgrid <command> [flags]

Commands:
${commands.map((command) => `  ${command.name.padEnd(18)} ${command.summary}`).join('\n')}

Run redgrid <command> --help for its flags. Every command reads the same environment variables
as the RedGrid libraries (REDIS_CLUSTER, REDIS_NODEn_HOST/PORT, REDIS_SENTINEL..., REDIS_HOST,
REDIS_PORT, REDIS_URL, REDIS_PASSWORD, REDIS_TLS...); flags override them.

Exit codes: 0 ok/healthy, 1 degraded (health) or problems found (cluster check), 2 unhealthy
(health), 3 failed, 64 bad input, 130 interrupted (resumable: run the same command again).
`;

/** The exit code an error maps to, and whether it is the user's input that was wrong. */
function exitCodeOf(error: unknown): ExitCode {
  if (
    CliUsageError.isInstance(error) ||
    ConfigError.isInstance(error) ||
    ClusterModeError.isInstance(error)
  )
    return exitCodes.usage;
  if (ClusterAdminError.isInstance(error)) {
    if (error.reason === 'aborted') return exitCodes.interrupted;
    if (error.reason === 'unknown-node' || error.reason === 'not-cluster') return exitCodes.usage;
    return exitCodes.failed;
  }
  if (MigrationError.isInstance(error) && error.reason === 'aborted') return exitCodes.interrupted;
  return exitCodes.failed;
}

/**
 * Runs one `redgrid` invocation: finds the command (`cluster rebalance` is two words), runs
 * it, and turns errors into a message on stderr (and `{ "error": ... }` on stdout with
 * `--json`) and an exit code (see `exitCodes`). Never throws and never exits the process:
 * the bin sets `process.exitCode` from the result.
 */
export async function runCli(io: CliIo): Promise<ExitCode> {
  const argv = [...io.argv];
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.stdout.write(overview);
    return argv.length === 0 ? exitCodes.usage : exitCodes.ok;
  }
  const two = `${argv[0]} ${argv[1] ?? ''}`;
  const command =
    commands.find((candidate) => candidate.name === two) ??
    commands.find((candidate) => candidate.name === argv[0]);
  if (!command) {
    const group = commands.filter((candidate) => candidate.name.startsWith(`${argv[0]} `));
    const hint =
      group.length > 0
        ? `: use one of ${group.map((candidate) => candidate.name).join(', ')}`
        : '; run redgrid --help for the list';
    io.stderr.write(
      `redgrid: ${new CliUsageError(argv.slice(0, 2).join(' '), `unknown command${hint}`).message}\n`,
    );
    return exitCodes.usage;
  }
  const args = argv.slice(command.name.split(' ').length);
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.help}\n\nFlags:\n${describeFlags(command.flags)}\n`);
    return exitCodes.ok;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    const code = exitCodeOf(error);
    const message = error instanceof Error ? error.message : String(error);
    const prefix =
      code === exitCodes.interrupted
        ? 'interrupted'
        : code === exitCodes.usage
          ? 'bad input'
          : 'failed';
    io.stderr.write(`redgrid ${command.name}: ${prefix}: ${message}\n`);
    if (args.includes('--json')) {
      const details = RedGridError.isInstance(error)
        ? {
            code: error.code,
            ...('reason' in error ? { reason: (error as { reason: unknown }).reason } : {}),
          }
        : {};
      io.stdout.write(toJson({ error: { ...details, message, exitCode: code } }));
    }
    return code;
  }
}
