import cliProgress from 'cli-progress';
import type { CliStream } from '../cli/cli-io.js';
import { formatCount } from './format.js';

/** Reports a long operation: a bar on a terminal, a plain line per second otherwise. */
export interface ProgressReporter {
  /** Sets the position (and total, when known) with a short status text. */
  update(done: number, total: number, status: string): void;
  /** Removes the bar (terminal) and prints nothing more. Idempotent. */
  stop(): void;
}

/**
 * A progress reporter on `stream` (stderr, so stdout stays clean for --json): cli-progress'
 * bar on a terminal; otherwise one plain line at most every `intervalMs` and on completion.
 */
export function createProgress(
  stream: CliStream,
  label: string,
  intervalMs = 1000,
): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: stream as unknown as NodeJS.WritableStream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {status}`,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(rawDone, rawTotal, status) {
        // Totals may be estimates (fractional): the bar shows whole keys.
        const done = Math.round(rawDone);
        const total = Math.round(rawTotal);
        if (!started) {
          bar.start(Math.max(total, 1), done, { status });
          started = true;
        } else {
          bar.setTotal(Math.max(total, 1));
          bar.update(done, { status });
        }
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  let last = 0;
  let stopped = false;
  return {
    update(done, total, status) {
      const now = Date.now();
      if (stopped || (now - last < intervalMs && done < total)) return;
      last = now;
      stream.write(`${label}: ${formatCount(done)}/${formatCount(total)} ${status}\n`);
    },
    stop() {
      stopped = true;
    },
  };
}
