import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './parse-cli-args.js';
import { describeSeedChoice, seedPorts } from './seed-ports.js';

describe('parseCliArgs', () => {
  it('reads the topology and flags, ignoring a leading --', () => {
    expect(parseCliArgs(['cluster', '--seed-ports'])).toEqual({
      topology: 'cluster',
      seedPorts: true,
      password: undefined,
      tls: false,
      help: false,
    });
    expect(parseCliArgs(['--', 'sentinel', '--password', 's3cret', '--tls'])).toMatchObject({
      topology: 'sentinel',
      password: 's3cret',
      tls: true,
    });
  });

  it('rejects a missing or unknown topology and unknown flags with the usage', () => {
    for (const argv of [[], ['replicaset'], ['cluster', '--seeds'], ['cluster', 'extra']]) {
      expect(() => parseCliArgs(argv)).toThrow(
        expect.objectContaining({
          code: 'ERR_HARNESS_USAGE',
          message: expect.stringContaining('Usage: pnpm redis:up'),
        }),
      );
    }
  });

  it('accepts --help without a topology', () => {
    expect(parseCliArgs(['--help']).help).toBe(true);
    expect(parseCliArgs(['-h']).help).toBe(true);
  });
});

describe('seed ports', () => {
  it('are the ports of the original design', () => {
    expect(seedPorts.cluster).toEqual([7000, 7001, 7002, 7003, 7004, 7005]);
    expect(seedPorts.sentinelServers).toEqual([6379, 6380, 6381]);
    expect(seedPorts.sentinels).toEqual([26379, 26380, 26381]);
  });

  it('are described as used, or as replaced by random ports naming the busy one', () => {
    expect(describeSeedChoice('cluster nodes', { use: true, ports: seedPorts.cluster })).toBe(
      'cluster nodes: seed ports 7000-7005 are free, using them.',
    );
    expect(
      describeSeedChoice('data nodes', {
        use: false,
        ports: seedPorts.sentinelServers,
        busyPort: 6379,
      }),
    ).toBe(
      'data nodes: seed ports 6379-6381 are not all free (6379 is in use), using random free ports instead.',
    );
    expect(describeSeedChoice('server', { use: false, ports: [6379], busyPort: 6379 })).toBe(
      'server: seed port 6379 is in use, using a random free port instead.',
    );
  });
});
