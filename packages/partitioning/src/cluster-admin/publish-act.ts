import { type AdminMessage, publish } from '@redgrid/core';

/**
 * Runs an administrative act and announces it on `redgrid:admin` (started, then succeeded or
 * failed with `details` of the result): what an audit log and metrics record. Never a secret.
 */
export async function publishAct<T>(
  act: string,
  run: () => Promise<T>,
  details: (result: T) => AdminMessage['details'],
): Promise<T> {
  publish('redgrid:admin', { act, outcome: 'started' });
  try {
    const result = await run();
    const summary = details(result);
    publish('redgrid:admin', {
      act,
      outcome: 'succeeded',
      ...(summary === undefined ? {} : { details: summary }),
    });
    return result;
  } catch (error) {
    publish('redgrid:admin', {
      act,
      outcome: 'failed',
      details: {
        error:
          (error as { code?: unknown }).code === undefined
            ? 'error'
            : String((error as { code?: unknown }).code),
      },
    });
    throw error;
  }
}
