/** A writable text stream: `process.stdout` fits. */
export interface CliStream {
  write(text: string): unknown;
  /** True on a terminal: progress bars and colors; otherwise plain lines. */
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when a terminal. */
  readonly columns?: number | undefined;
}

/**
 * What `runCli` reads and writes: the arguments, the environment and two streams. Tests pass
 * their own; the `redgrid` bin passes the process's. `signal` aborts long operations (Ctrl-C):
 * they stop at a resumable point and exit with code 130.
 */
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly signal?: AbortSignal | undefined;
  /** Base directory of relative file paths (layout files). Default `process.cwd()`. */
  readonly cwd?: string | undefined;
}
