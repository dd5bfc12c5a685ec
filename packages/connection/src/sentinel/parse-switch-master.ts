import type { Address } from '@redgrid/core';

/** A `+switch-master` notification from a Sentinel. */
export interface SwitchMaster {
  masterName: string;
  from: Address;
  to: Address;
}

/**
 * Parses the payload of a Sentinel `+switch-master` message, `<name> <old-ip> <old-port>
 * <new-ip> <new-port>`. Returns undefined for anything else.
 */
export function parseSwitchMaster(message: string): SwitchMaster | undefined {
  const parts = message.trim().split(/\s+/);
  if (parts.length !== 5) return undefined;
  const [masterName, fromHost, fromPort, toHost, toPort] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const from = Number(fromPort);
  const to = Number(toPort);
  if (!Number.isInteger(from) || !Number.isInteger(to)) return undefined;
  return { masterName, from: { host: fromHost, port: from }, to: { host: toHost, port: to } };
}
