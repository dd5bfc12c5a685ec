import { pollUntil } from '../util/poll-until.js';
import type { WaitForOptions } from './types.js';

/**
 * Polls `condition` until it returns true, or rejects with `ERR_HARNESS_TIMEOUT` after
 * `timeoutMs` (the message names `message` and the condition's last error). A throwing
 * condition counts as false. Use it instead of fixed sleeps: it returns as soon as the state is
 * reached and fails with a reason when it never is. Same as `topology.waitFor`.
 */
export function waitFor(
  condition: () => boolean | Promise<boolean>,
  options: WaitForOptions,
): Promise<void> {
  return pollUntil(async () => ((await condition()) ? undefined : 'condition still false'), {
    timeoutMs: options.timeoutMs,
    intervalMs: options.intervalMs ?? 100,
    what: options.message ?? 'waitFor condition',
  });
}
