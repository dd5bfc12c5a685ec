import { HarnessError } from '../errors/harness-error.js';

/** Resolves after `ms`. The timer is referenced: it keeps the process alive while awaited. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * Resolves like `promise`, or rejects with `ERR_HARNESS_TIMEOUT` and `message` after
 * `timeoutMs`. The timer is always cleared, so nothing lingers after the race.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  timeoutMs: number,
  message: () => string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HarnessError('ERR_HARNESS_TIMEOUT', message())),
      Math.max(0, timeoutMs),
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
