import { execFile } from 'node:child_process';
import { CompatError } from '../errors/compat-error.js';

/** What a finished child process printed. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunCommandOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command without a shell and resolves with its output. A non-zero exit rejects with a
 * `CompatError` (`ERR_COMPAT_COMMAND`) whose message holds the command and everything it
 * printed, and whose `cause` holds the raw error with `stdout`/`stderr`. Output is buffered
 * (64 MiB at most): for commands whose output is read, not streamed.
 */
export function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions,
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ stdout, stderr });
          return;
        }
        const command = [file, ...args].join(' ');
        reject(
          new CompatError(
            'ERR_COMPAT_COMMAND',
            `\`${command}\` failed in ${options.cwd} (${error.message.split('\n')[0]}):\n${stdout}${stderr}`.trimEnd(),
            { cause: Object.assign(error, { stdout, stderr }) },
          ),
        );
      },
    );
  });
}
