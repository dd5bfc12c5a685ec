import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createConnection, type RedisConnection } from '@redgrid/connection';
import { loadConfigFromEnv } from '@redgrid/core';
import {
  startCluster,
  startSentinel,
  startStandalone,
  type Topology,
} from '@redgrid/redis-harness';
import type { Redis } from 'ioredis';
import { type BenchCase, defineSuite } from '../define-suite.js';

const run = promisify(execFile);

// What RedGrid gives with the environment alone, per topology: SET and GET alternating on
// random keys (a 100-byte value), 50 concurrent callers, against `redis-benchmark` (SET and
// GET, 50 clients, no pipelining) on the same servers in the same run: the ratio says how much
// of what the servers can do from one Node process RedGrid delivers. The original design
// claims ~100k ops/s for a single server and 300k+ for a cluster. The smoke run (inside
// `pnpm test`) measures the single server only.

interface Target {
  name: string;
  topology: Topology;
  /** Environment on top of the topology's (an opt-in under comparison). */
  extraEnv?: Record<string, string>;
  /** `redis-benchmark` arguments that reach it (`--cluster` for a cluster). */
  benchmarkArgs: string[];
}

async function redisBenchmark(args: readonly string[], requests: number): Promise<number> {
  const { stdout } = await run(
    'redis-benchmark',
    [
      ...args,
      '-t',
      'set,get',
      '-c',
      '50',
      '-n',
      String(requests),
      '-d',
      '100',
      '-r',
      '100000',
      '--csv',
    ],
    { timeout: 300_000 },
  );
  // --csv: "test","rps",...; one line per test.
  const rates = stdout
    .split('\n')
    .map((line) => /^"(SET|GET)","([\d.]+)"/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[2]));
  return rates.length === 0
    ? Number.NaN
    : rates.reduce((sum, rate) => sum + rate, 0) / rates.length;
}

export const suite = defineSuite({
  name: 'topology-throughput',
  description: 'RedGrid defaults per topology (SET/GET, 50 callers) against redis-benchmark',
  kind: 'load',
  concurrency: 50,
  async setup(context) {
    const targets: Target[] = [];
    const add = (
      name: string,
      topology: Topology,
      benchmarkArgs: string[],
      extraEnv?: Record<string, string>,
    ) => {
      if (!targets.some((target) => target.topology === topology)) {
        context.onTeardown(() => topology.stop());
      }
      targets.push({ name, topology, benchmarkArgs, ...(extraEnv ? { extraEnv } : {}) });
    };
    const single = await startStandalone();
    add('single', single, ['-h', single.host, '-p', String(single.port)]);
    if (!context.smoke) {
      const sentinel = await startSentinel();
      const master = await sentinel.master();
      add('sentinel', sentinel, ['-h', master.host, '-p', String(master.port)]);
      for (const masters of [3, 6]) {
        const cluster = await startCluster({ masters, replicasPerMaster: 1 });
        const seed = cluster.startupNodes[0];
        const args = ['--cluster', '-h', seed?.host ?? '127.0.0.1', '-p', String(seed?.port)];
        add(`cluster ${masters} masters`, cluster, args);
        // Auto-pipelining is off by default on a cluster (see @redgrid/connection): the opt-in.
        add(`cluster ${masters} masters REDIS_AUTO_PIPELINING=true`, cluster, args, {
          REDIS_AUTO_PIPELINING: 'true',
        });
      }
    }
    const connections: RedisConnection[] = [];
    context.onTeardown(() => Promise.all(connections.map((connection) => connection.close())));
    const value = 'v'.repeat(100);
    const cases: BenchCase[] = [];
    for (const target of targets) {
      const connection = createConnection(
        loadConfigFromEnv({ ...target.topology.env(), ...target.extraEnv }),
      );
      connections.push(connection);
      await connection.connect();
      const client = connection.client as Redis;
      let count = 0;
      cases.push({
        name: `redgrid ${target.name}`,
        fn: () => {
          const key = `tp:${(count * 7919) % 100_000}`;
          return ++count & 1 ? client.set(key, value) : client.get(key);
        },
      });
    }
    return {
      cases,
      notes: async (results) => {
        const lines: string[] = [];
        for (const target of targets) {
          const ours = results.find((result) => result.name === `redgrid ${target.name}`);
          const theirs = await redisBenchmark(
            target.benchmarkArgs,
            context.smoke ? 2_000 : 200_000,
          );
          const ratio = (ours?.opsPerSecond ?? Number.NaN) / theirs;
          lines.push(
            `${target.name}: redgrid ${Math.round(ours?.opsPerSecond ?? 0)} ops/s, redis-benchmark ${Math.round(theirs)} req/s, ratio ${ratio.toFixed(2)}`,
          );
        }
        return lines;
      },
    };
  },
});
