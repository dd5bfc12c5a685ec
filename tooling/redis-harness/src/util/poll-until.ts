import { HarnessError } from '../errors/harness-error.js';
import { errorMessage, sleep, withDeadline } from './deadline.js';

/** Result of one readiness check: `undefined` when satisfied, otherwise why not yet. */
export type CheckResult = string | undefined;

/** Options of {@link pollUntil}. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** What is awaited, e.g. `cluster ready`; starts the timeout message. */
  what: string;
  /** Extra text for the timeout message (e.g. the tail of the failing node's log). */
  diagnose?: (lastReason: string | undefined) => string;
}

/**
 * Calls `check` until it returns `undefined` (satisfied). A string is the reason it is not
 * satisfied yet; a throw counts as not satisfied with the error as reason. Each call is itself
 * bounded by the remaining time, so a hanging check cannot outlive the deadline. Rejects with
 * `ERR_HARNESS_TIMEOUT`: "<what> not reached within <timeoutMs> ms: <last reason>" plus
 * `diagnose()`.
 */
export async function pollUntil(
  check: () => Promise<CheckResult>,
  options: PollOptions,
): Promise<void> {
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + options.timeoutMs;
  let lastReason: string | undefined;
  for (;;) {
    const remaining = deadline - Date.now();
    let cut = false;
    try {
      const reason = await withDeadline(check(), Math.max(1, remaining), () => {
        cut = true;
        return 'check did not finish before the deadline';
      });
      if (reason === undefined) return;
      lastReason = reason;
    } catch (error) {
      // A check cut short by the deadline says nothing new: keep the previous reason.
      if (!cut || lastReason === undefined) lastReason = errorMessage(error);
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, deadline - Date.now()));
  }
  const extra = options.diagnose?.(lastReason) ?? '';
  throw new HarnessError(
    'ERR_HARNESS_TIMEOUT',
    `${options.what} not reached within ${options.timeoutMs} ms: ${lastReason ?? 'unknown reason'}${extra ? `\n${extra}` : ''}`,
  );
}
