export type { CliIo, CliStream } from './cli/cli-io.js';
export { type ExitCode, exitCodes } from './cli/exit-codes.js';
export { runCli } from './cli/run-cli.js';
export {
  type LayoutFile,
  type LayoutFileNode,
  type PartitionLayoutInput,
  parseLayout,
} from './config/partition-layout.js';
