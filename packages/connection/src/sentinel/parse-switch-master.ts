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

/**
 * The master name of a Sentinel event about an instance, from its payload: `master <name> <ip>
 * <port>` for an event about the master itself, `<type> <id> <ip> <port> @ <name> <ip> <port>`
 * for one about a replica or Sentinel of it. Undefined when the payload has neither form.
 */
export function masterNameOfEvent(message: string): string | undefined {
  const parts = message.trim().split(/\s+/);
  const at = parts.indexOf('@');
  if (at !== -1) return parts[at + 1];
  return parts[0] === 'master' && parts.length >= 4 ? parts[1] : undefined;
}
