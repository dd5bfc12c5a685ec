import { isPortFree } from '../ports/is-port-free.js';

/** The documented ports of the original design, used by `--seed-ports`. */
export const seedPorts = {
  standalone: [6379],
  cluster: [7000, 7001, 7002, 7003, 7004, 7005],
  sentinelServers: [6379, 6380, 6381],
  sentinels: [26379, 26380, 26381],
} as const;

/** Outcome of checking one group of seed ports. */
export type SeedPortChoice =
  | { use: true; ports: readonly number[] }
  | { use: false; ports: readonly number[]; busyPort: number };

/**
 * Checks a group of seed ports (and their bus ports for a cluster) all at once: a group is used
 * whole or not at all, so a topology never mixes documented and random ports within a group.
 * A snapshot: a port taken between this check and the start makes that node fall back to a
 * random port, which the CLI reports.
 */
export async function chooseSeedPorts(
  ports: readonly number[],
  busPortOffset?: number,
): Promise<SeedPortChoice> {
  for (const port of ports) {
    for (const candidate of busPortOffset === undefined ? [port] : [port, port + busPortOffset]) {
      if (!(await isPortFree(candidate))) return { use: false, ports, busyPort: candidate };
    }
  }
  return { use: true, ports };
}

/** One line describing a choice, e.g. `seed ports 7000-7005 are free: using them`. */
export function describeSeedChoice(label: string, choice: SeedPortChoice): string {
  const first = choice.ports[0];
  const last = choice.ports[choice.ports.length - 1];
  if (first === last) {
    return choice.use
      ? `${label}: seed port ${first} is free, using it.`
      : `${label}: seed port ${first} is in use, using a random free port instead.`;
  }
  return choice.use
    ? `${label}: seed ports ${first}-${last} are free, using them.`
    : `${label}: seed ports ${first}-${last} are not all free (${choice.busyPort} is in use), using random free ports instead.`;
}
