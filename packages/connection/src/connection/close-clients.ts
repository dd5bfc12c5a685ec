import type { Cluster, Redis } from 'ioredis';
import { type InstanceLike, isClusterLike } from '../ioredis/internals.js';

const noop = () => {};

/**
 * Closes ioredis clients. Dedicated ones are disconnected at once (QUIT would wait behind a
 * BLPOP); shared ones get QUIT first, to drain the replies already requested, for up to
 * `timeoutMs`, then are disconnected. Resolves once every socket reported `end` and `alsoWait`
 * settled, or after `max(timeoutMs, 1 000)` ms.
 */
export async function closeClients(options: {
  shared: ReadonlyArray<Redis | Cluster>;
  dedicated: ReadonlyArray<Redis | Cluster>;
  timeoutMs: number;
  alsoWait: Promise<unknown>;
}): Promise<void> {
  const { shared, dedicated, timeoutMs } = options;
  const everything = [...shared, ...dedicated];
  const ended = Promise.all([...everything.map((client) => endOf(client)), options.alsoWait]);
  for (const client of dedicated) client.disconnect();
  await withTimeout(Promise.allSettled(shared.map((client) => quit(client))), timeoutMs);
  // A client that QUIT already closed must not be disconnected again: ioredis would arm a
  // 2 s destroy timer on the closed socket that nothing clears.
  for (const client of shared) {
    if ((client as unknown as InstanceLike).status !== 'end') client.disconnect();
  }
  // Sockets close asynchronously: wait until ioredis reports `end` for each (bounded).
  await withTimeout(ended, Math.max(timeoutMs, 1_000));
}

async function quit(client: Redis | Cluster): Promise<void> {
  const status = (client as unknown as InstanceLike).status;
  if (status === 'wait' || status === 'end' || status === 'close') {
    client.disconnect();
    return;
  }
  await client.quit().catch(noop);
}

/** Resolves when `promise` settles or after `timeoutMs`, whichever comes first; no timer left. */
async function withTimeout(promise: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  try {
    await Promise.race([promise.then(noop, noop), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves when every socket of `client` is closed: its own `end`, or for a cluster the `end`
 * of each node it has now (a cluster closed while still resolving its startup nodes never
 * emits `end` itself, an ioredis quirk).
 */
function endOf(client: Redis | Cluster): Promise<void> {
  const instance = client as unknown as InstanceLike;
  if (isClusterLike(instance)) {
    const nodes = instance.nodes('all') as unknown as Redis[];
    return Promise.all(nodes.map((node) => waitForEnd(node))).then(noop);
  }
  return waitForEnd(client);
}

function waitForEnd(client: Redis | Cluster): Promise<void> {
  if ((client as unknown as InstanceLike).status === 'end') return Promise.resolve();
  return new Promise((resolve) => client.once('end', () => resolve()));
}
