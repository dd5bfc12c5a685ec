import { HarnessError } from '../errors/harness-error.js';
import { isPortFree } from './is-port-free.js';
import { defaultLockDir, lockPort, unlockPort } from './port-lock.js';

/** An inclusive range of candidate ports. */
export interface PortRange {
  min: number;
  max: number;
}

/**
 * Where random ports come from: 12000-21999, so that a cluster node's bus port (port + 10000)
 * stays below 32768, where Linux starts handing out ephemeral ports for outgoing connections
 * (which could otherwise grab a port between our check and redis-server's bind).
 */
export const defaultPortRange: PortRange = { min: 12000, max: 21999 };

/** A port held by this process until `release()`: its lock files and the bind-tested ports. */
export interface PortLease {
  /** The client port. */
  readonly port: number;
  /** Every port held: the client port and, for a cluster node, its bus port. */
  readonly ports: readonly number[];
  /** Removes the lock files; idempotent and synchronous (safe in a process 'exit' handler). */
  release(): void;
}

/** Options of {@link acquirePort} and {@link tryAcquirePort}. */
export interface AcquirePortOptions {
  /** Also hold `port + busPortOffset` (10000 for a Redis Cluster node's bus). */
  busPortOffset?: number | undefined;
  range?: PortRange | undefined;
  /** Folder of the lock files, default {@link defaultLockDir}. */
  lockDir?: string | undefined;
  /** Random source in [0, 1), injectable for tests. */
  random?: (() => number) | undefined;
  /** Candidates tried before giving up, default 200. */
  maxAttempts?: number | undefined;
  /** Ports not to try (e.g. one a redis-server just failed to bind). */
  exclude?: ReadonlySet<number> | undefined;
}

/** Picks a candidate port uniformly from `range` (pure; `random` returns [0, 1)). */
export function pickPortCandidate(
  random: () => number,
  range: PortRange = defaultPortRange,
): number {
  const span = range.max - range.min + 1;
  return range.min + Math.min(span - 1, Math.floor(random() * span));
}

/** The ports a node needs: the client port, plus the bus port when `busPortOffset` is set. */
export function portsFor(port: number, busPortOffset: number | undefined): number[] {
  return busPortOffset === undefined ? [port] : [port, port + busPortOffset];
}

/**
 * Takes `port` (and its bus port) when every one of them is unlocked and bindable on
 * 127.0.0.1; returns `undefined` otherwise. Use it for preferred ports (`--seed-ports`).
 */
export async function tryAcquirePort(
  port: number,
  options: AcquirePortOptions = {},
): Promise<PortLease | undefined> {
  const lockDir = options.lockDir ?? defaultLockDir();
  const ports = portsFor(port, options.busPortOffset);
  if (ports.some((candidate) => candidate < 1 || candidate > 65535)) return undefined;
  const locked: number[] = [];
  const releaseAll = (): void => {
    for (const held of locked.splice(0)) unlockPort(held, lockDir);
  };
  for (const candidate of ports) {
    if (!lockPort(candidate, lockDir)) {
      releaseAll();
      return undefined;
    }
    locked.push(candidate);
  }
  for (const candidate of ports) {
    if (!(await isPortFree(candidate))) {
      releaseAll();
      return undefined;
    }
  }
  return { port, ports, release: releaseAll };
}

/**
 * Takes a free random loopback port from `range` (see {@link defaultPortRange}), held by a lock
 * file per port in the OS temp dir so that parallel test workers (separate processes) never
 * pick the same one, and bind-tested so that ports used by other programs are skipped.
 * Throws `ERR_HARNESS_PORTS` after `maxAttempts` candidates.
 */
export async function acquirePort(options: AcquirePortOptions = {}): Promise<PortLease> {
  const random = options.random ?? Math.random;
  const range = options.range ?? defaultPortRange;
  const maxAttempts = options.maxAttempts ?? 200;
  const tried = new Set<number>(options.exclude);
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const candidate = pickPortCandidate(random, range);
    if (tried.has(candidate)) continue;
    tried.add(candidate);
    const lease = await tryAcquirePort(candidate, options);
    if (lease) return lease;
  }
  throw new HarnessError(
    'ERR_HARNESS_PORTS',
    `No free loopback port found in ${range.min}-${range.max} after ${maxAttempts} attempts` +
      (options.busPortOffset === undefined
        ? ''
        : ` (each also needing port+${options.busPortOffset})`) +
      '; free some ports or stop leftover redis-server processes',
  );
}
