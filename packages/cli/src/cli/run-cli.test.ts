import { ConfigError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { loadCliConfig } from '../config/load-cli-config.js';
import { parseLayout } from '../config/partition-layout.js';
import { formatBytes, formatCount, toJson } from '../output/format.js';
import { CliUsageError } from './cli-usage-error.js';
import { runCli } from './run-cli.js';

function io(argv: string[], env: Record<string, string> = {}) {
  const out = {
    text: '',
    write(text: string) {
      out.text += text;
    },
  };
  const err = {
    text: '',
    write(text: string) {
      err.text += text;
    },
  };
  return { io: { argv, env, stdout: out, stderr: err }, out, err };
}

describe('runCli', () => {
  it('prints help, rejects unknown commands and flags with exit 64 naming them', async () => {
    const help = io(['--help']);
    expect(await runCli(help.io)).toBe(0);
    expect(help.out.text).toMatch(/cluster rebalance/);
    const unknown = io(['cluster', 'grow']);
    expect(await runCli(unknown.io)).toBe(64);
    expect(unknown.err.text).toMatch(
      /cluster grow: unknown command: use one of cluster rebalance, cluster fix, cluster check/,
    );
    const flag = io(['health', '--colour']);
    expect(await runCli(flag.io)).toBe(64);
    expect(flag.err.text).toMatch(/--colour/);
    const subHelp = io(['partition', 'migrate', '--help']);
    expect(await runCli(subHelp.io)).toBe(0);
    expect(subHelp.out.text).toMatch(/--checkpoint-file FILE/);
  });
});

describe('loadCliConfig', () => {
  it('takes the environment, with flags on top', () => {
    const env = {
      REDIS_CLUSTER: 'true',
      REDIS_NODE1_HOST: 'a',
      REDIS_NODE1_PORT: '7000',
      REDIS_PASSWORD: 's3cret',
    };
    const fromEnv = loadCliConfig(env, {});
    expect(fromEnv.type).toBe('cluster');
    const seeds = loadCliConfig(env, { 'cluster-node': ['b:7001', '[::1]:7002'] });
    expect(seeds.type === 'cluster' && seeds.options.nodes).toEqual([
      { host: 'b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
    expect(seeds.options.password?.reveal()).toBe('s3cret');
    const single = loadCliConfig(env, { host: 'c', port: '6380' });
    expect(single.type === 'single' && [single.options.host, single.options.port]).toEqual([
      'c',
      6380,
    ]);
    expect(() => loadCliConfig({}, { port: 'x' })).toThrow(/--port \(REDIS_PORT\)/);
    expect(() => loadCliConfig({}, { 'cluster-node': ['nope'] })).toThrow(CliUsageError);
    expect(() => loadCliConfig({}, { 'cluster-node': ['a:1'], host: 'b' })).toThrow(
      /cannot be combined/,
    );
  });
});

describe('parseLayout', () => {
  it('builds node configs from url, host/port or sentinels with the common variables', () => {
    const layout = parseLayout(
      {
        strategy: { type: 'consistent-hash', virtualNodes: 100 },
        nodes: [
          { id: 'a', url: 'redis://10.0.0.1:6380/2' },
          { id: 'b', host: '10.0.0.2', port: 6379, weight: 2, passwordEnv: 'B_PASSWORD' },
          { id: 'c', sentinels: ['10.0.0.5:26379'], masterName: 'c' },
        ],
      },
      'layout.json',
      {
        REDIS_PASSWORD: 'common',
        B_PASSWORD: 'only-b',
        REDIS_COMMAND_TIMEOUT: '900',
        REDIS_CLUSTER: 'true',
      },
    );
    const [a, b, c] = layout.nodes;
    expect(a?.config).toMatchObject({
      type: 'single',
      options: { host: '10.0.0.1', port: 6380, db: 2, commandTimeoutMs: 900 },
    });
    expect(b?.weight).toBe(2);
    const bConfig = b?.config as { options: { password: { reveal(): string } } };
    expect(bConfig.options.password.reveal()).toBe('only-b');
    expect(c?.config).toMatchObject({
      type: 'sentinel',
      options: { name: 'c', sentinels: [{ host: '10.0.0.5', port: 26379 }] },
    });
    expect(layout.strategy).toEqual({ type: 'consistent-hash', virtualNodes: 100 });
  });

  it('lists every problem by file and field', () => {
    try {
      parseLayout(
        {
          nodes: [
            { id: 'a', host: 'h', port: 99999 },
            { id: 'b' },
            { id: 'c', url: 'redis://h', colour: 1 },
            { id: 'd', host: 'h', passwordEnv: 'NOPE' },
          ],
        },
        'f.json',
        {},
      );
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.isInstance(error)).toBe(true);
      const variables = (error as ConfigError).issues.map((issue) => issue.variable);
      expect(variables).toEqual([
        'f.json: nodes[0].port',
        'f.json: nodes[1]',
        'f.json: nodes[2].colour',
        'f.json: nodes[3].passwordEnv',
      ]);
    }
  });
});

describe('format', () => {
  it('formats sizes, counts and JSON with maps and typed arrays', () => {
    expect(formatBytes(1536)).toBe('1.50 KB');
    expect(formatCount(20000)).toBe('20 000');
    expect(toJson({ map: new Map([['a', 1]]), array: new Uint8Array([1, 2]) })).toBe(
      '{\n  "map": {\n    "a": 1\n  },\n  "array": [\n    1,\n    2\n  ]\n}\n',
    );
  });
});
