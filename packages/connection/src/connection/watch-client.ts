import { guardClusterPipelines } from '../cluster/guard-cluster-pipelines.js';
import type { CommandGuard } from '../guard/command-guard.js';
import { type ClusterLike, type InstanceLike, isClusterLike } from '../ioredis/internals.js';
import type { ConnectionPool } from './connection-pool.js';

/** What {@link watchClient} wires an ioredis client to. */
export interface ClientWatchTarget {
  guard: CommandGuard;
  pool: ConnectionPool;
  /** Guard detachers of cluster nodes (restored when a node leaves the pool). */
  detach: Map<InstanceLike, () => void>;
  /** The topology is Sentinel (its errors are reported too). */
  sentinel: boolean;
  /** The main client's status changed (`connecting`, `connect`, `close`, `reconnecting`, `end`). */
  onStatus: (status: string) => void;
  onReady: (instance: InstanceLike, isMain: boolean) => void;
  onError: (error: Error, source: string) => void;
  /** The main cluster refreshed its slots. */
  onClusterRefresh: (cluster: ClusterLike) => void;
}

/**
 * Guards an ioredis client (the main one, or a dedicated one) and listens to it: status,
 * errors, and for a cluster its nodes coming and going (each guarded, and pooled for the main
 * client). The guard stays attached for good, also after close(): later commands then fail
 * with ConnectionClosedError. Returns the function that removes the listeners.
 */
export function watchClient(
  instance: InstanceLike,
  role: 'client' | 'dedicated',
  target: ClientWatchTarget,
): () => void {
  const { guard, pool, detach } = target;
  const cleanups: Array<() => void> = [];
  const listen = (event: string, listener: (...args: never[]) => void) => {
    instance.on(event, listener);
    cleanups.push(() => instance.removeListener(event, listener));
  };
  guard.attach(instance, { countResends: !isClusterLike(instance) });
  const isMain = role === 'client';
  const onStatus = (status: string) => () => {
    if (isMain) target.onStatus(status);
  };
  for (const status of ['connecting', 'connect', 'close', 'reconnecting', 'end']) {
    listen(status, onStatus(status));
  }
  listen('ready', () => target.onReady(instance, isMain));
  listen('error', (error: Error) => target.onError(error, role));

  if (isClusterLike(instance)) {
    cleanups.push(guardClusterPipelines(instance));
    const attachNode = (node: InstanceLike) => {
      if (detach.has(node)) return;
      detach.set(node, guard.attach(node));
      if (isMain) pool.add(node, guard);
    };
    for (const node of instance.nodes('all')) attachNode(node);
    listen('+node', (node: InstanceLike) => attachNode(node));
    listen('-node', (node: InstanceLike) => {
      detach.get(node)?.();
      detach.delete(node);
      pool.remove(node);
    });
    listen('node error', (error: Error, key: string) =>
      target.onError(error, `${role} node ${key}`),
    );
    if (isMain) listen('refresh', () => target.onClusterRefresh(instance));
  } else {
    if (target.sentinel) {
      listen('sentinelError', (error: Error) => target.onError(error, `${role} sentinel`));
    }
    if (isMain) pool.add(instance, guard);
  }
  return () => {
    for (const cleanup of cleanups) cleanup();
  };
}
