import type { CliIo } from '../cli/cli-io.js';
import type { ExitCode } from '../cli/exit-codes.js';
import type { FlagSpecs } from '../cli/parse-flags.js';

/** One `redgrid` command (or sub-command). */
export interface Command {
  /** `health`, `cluster rebalance`, ... */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Usage line and longer help (examples, what exit codes mean here). */
  readonly help: string;
  readonly flags: FlagSpecs;
  run(args: readonly string[], io: CliIo): Promise<ExitCode>;
}
