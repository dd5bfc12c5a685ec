export type { CliIo, CliStream } from './cli/cli-io.js';
export { CliUsageError } from './cli/cli-usage-error.js';
export { type ExitCode, exitCodes } from './cli/exit-codes.js';
export { commands, runCli } from './cli/run-cli.js';
export type { Command } from './commands/command.js';
export {
  type LayoutFile,
  type LayoutFileNode,
  type PartitionLayoutInput,
  parseLayout,
} from './config/partition-layout.js';
