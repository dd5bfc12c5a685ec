import type { Address } from '@redgrid/core';
import type { InstanceLike } from './internals.js';

/** `host:port` of the server an instance's socket is connected to. */
export function nodeAddress(instance: InstanceLike): string | undefined {
  const remote = remoteAddress(instance);
  return remote === undefined ? undefined : `${remote.host}:${remote.port}`;
}

/** The server an instance's socket is connected to, when it is. */
export function remoteAddress(instance: InstanceLike): Address | undefined {
  const host = instance.stream?.remoteAddress;
  const port = instance.stream?.remotePort;
  return host === undefined || port === undefined ? undefined : { host, port };
}

/** The address of a `host:port` key (IPv6 hosts keep their colons). */
export function parseAddress(key: string): Address {
  const index = key.lastIndexOf(':');
  return { host: key.slice(0, index), port: Number(key.slice(index + 1)) };
}
