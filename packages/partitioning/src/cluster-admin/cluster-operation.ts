import { ClusterAdminError } from '../errors/cluster-admin-error.js';
import type { ClusterSnapshot } from './cluster-snapshot.js';

/** Throws `ClusterAdminError` (`unhealthy`) when a master is unreachable or a slot uncovered. */
export function assertOperable(snapshot: ClusterSnapshot): void {
  const masterProblems = snapshot.problems.filter((problem) => !problem.startsWith('replica '));
  if (masterProblems.length > 0) {
    throw new ClusterAdminError({
      reason: 'unhealthy',
      message: `The cluster is not healthy enough to move slots: ${masterProblems.join('; ')}. Fix this first (bring the node back, or fail it over), then run again.`,
    });
  }
}

/** Runs `task` for each item with at most `limit` running at once; stops starting new ones after a failure. */
export async function runLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
}
