import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  type Environment,
  loadConfigFromEnv,
  type RedisConfig,
} from '@redgrid/core';
import type { PartitionNodeDefinition, PartitionStrategy } from '@redgrid/partitioning';
import { CliUsageError } from '../cli/cli-usage-error.js';
import { commonEnvironment, parseAddress } from './load-cli-config.js';

/**
 * One node of a layout file. Address it with `url`, or `host` + `port` (+ `db`), or
 * `sentinels` + `masterName` for a Sentinel group. Passwords come from `REDIS_PASSWORD` (every
 * node), from the node's `passwordEnv` variable, or from its `url`; TLS and timeouts from the
 * usual REDIS_* variables.
 */
export interface LayoutFileNode {
  readonly id: string;
  readonly weight?: number;
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
  readonly db?: number;
  readonly sentinels?: readonly string[];
  readonly masterName?: string;
  /** Name of the environment variable holding this node's password. */
  readonly passwordEnv?: string;
}

/** The partition layout file (`--layout`, `--to`, `REDGRID_PARTITIONS`). */
export interface LayoutFile {
  /** Default `{ "type": "consistent-hash" }`; see @redgrid/partitioning for range strategies. */
  readonly strategy?: PartitionStrategy;
  readonly nodes: readonly LayoutFileNode[];
}

/** A layout ready for `createPartitionedRedis` / `planRebalance`. */
export interface PartitionLayoutInput {
  readonly nodes: PartitionNodeDefinition[];
  readonly strategy: PartitionStrategy;
  /** Where it came from, for messages (`layout.json`, `--node`). */
  readonly origin: string;
}

const nodeKeys = new Set([
  'id',
  'weight',
  'url',
  'host',
  'port',
  'db',
  'sentinels',
  'masterName',
  'passwordEnv',
]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Builds one node's config from the environment's common options and the node's address. */
function nodeConfig(
  node: Record<string, unknown>,
  at: string,
  env: Environment,
  issues: ConfigIssue[],
): RedisConfig | undefined {
  const nodeEnv = commonEnvironment(env);
  const names = new Map<string, string>();
  const set = (variable: string, value: unknown, field: string) => {
    nodeEnv[variable] = String(value);
    names.set(variable, `${at}.${field}`);
  };
  if (typeof node.passwordEnv === 'string') {
    const password = env[node.passwordEnv];
    if (password === undefined) {
      issues.push({
        variable: `${at}.passwordEnv`,
        message: `the variable ${node.passwordEnv} is not set; export it or remove passwordEnv`,
      });
    } else nodeEnv.REDIS_PASSWORD = password;
  }
  const addressed = [
    node.url !== undefined,
    node.host !== undefined,
    node.sentinels !== undefined,
  ].filter(Boolean).length;
  if (addressed !== 1) {
    issues.push({
      variable: at,
      message: 'give exactly one of "url", "host" (+ "port"), or "sentinels" (+ "masterName")',
    });
    return undefined;
  }
  if (node.url !== undefined) set('REDIS_URL', node.url, 'url');
  if (node.host !== undefined) set('REDIS_HOST', node.host, 'host');
  if (node.port !== undefined) set('REDIS_PORT', node.port, 'port');
  if (node.db !== undefined) set('REDIS_DB', node.db, 'db');
  if (node.sentinels !== undefined) {
    if (!Array.isArray(node.sentinels) || node.sentinels.length === 0) {
      issues.push({
        variable: `${at}.sentinels`,
        message: 'must be a non-empty list of "host:port"',
      });
      return undefined;
    }
    nodeEnv.REDIS_SENTINEL = 'true';
    node.sentinels.forEach((text: unknown, index: number) => {
      try {
        const address = parseAddress(String(text), `${at}.sentinels[${index}]`);
        set(`REDIS_SENTINEL${index + 1}_HOST`, address.host, `sentinels[${index}]`);
        set(`REDIS_SENTINEL${index + 1}_PORT`, address.port, `sentinels[${index}]`);
      } catch {
        issues.push({
          variable: `${at}.sentinels[${index}]`,
          message: `${JSON.stringify(text)} is not host:port`,
        });
      }
    });
    if (node.masterName !== undefined) set('REDIS_MASTER_NAME', node.masterName, 'masterName');
  }
  try {
    return loadConfigFromEnv(nodeEnv);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    for (const issue of error.issues)
      issues.push({ ...issue, variable: names.get(issue.variable) ?? issue.variable });
    return undefined;
  }
}

/**
 * Validates a parsed layout file (`value`) and turns it into node definitions. Every problem
 * is collected into one `ConfigError` whose entries name `<origin>: nodes[i].field`.
 */
export function parseLayout(
  value: unknown,
  origin: string,
  env: Environment,
): PartitionLayoutInput {
  const issues: ConfigIssue[] = [];
  const nodes: PartitionNodeDefinition[] = [];
  if (!isObject(value) || !Array.isArray(value.nodes)) {
    throw new ConfigError([
      {
        variable: origin,
        message:
          'must be a JSON object with a "nodes" list: {"nodes": [{"id": "cache-1", "url": "redis://10.0.0.1:6379"}]}',
      },
    ]);
  }
  value.nodes.forEach((node: unknown, index: number) => {
    const at = `${origin}: nodes[${index}]`;
    if (!isObject(node)) {
      issues.push({
        variable: at,
        message: 'must be an object such as {"id": "cache-1", "url": "redis://10.0.0.1:6379"}',
      });
      return;
    }
    for (const key of Object.keys(node)) {
      if (!nodeKeys.has(key))
        issues.push({
          variable: `${at}.${key}`,
          message: `unknown field; use one of ${[...nodeKeys].join(', ')}`,
        });
    }
    if (typeof node.id !== 'string' || node.id === '') {
      issues.push({
        variable: `${at}.id`,
        message:
          'must be a non-empty string, a stable name such as "cache-1" (placement is computed from it)',
      });
    }
    if (node.weight !== undefined && !(typeof node.weight === 'number' && node.weight > 0)) {
      issues.push({ variable: `${at}.weight`, message: 'must be a number above 0 (default 1)' });
    }
    const config = nodeConfig(node, at, env, issues);
    if (config && typeof node.id === 'string') {
      nodes.push({
        id: node.id,
        config,
        ...(typeof node.weight === 'number' ? { weight: node.weight } : {}),
      });
    }
  });
  if (issues.length > 0) throw new ConfigError(issues);
  const strategy = (isObject(value.strategy)
    ? value.strategy
    : { type: 'consistent-hash' }) as unknown as PartitionStrategy;
  return { nodes, strategy, origin };
}

/** Reads and parses a layout file; unreadable or invalid JSON is a `CliUsageError` naming the flag. */
export async function readLayoutFile(
  path: string,
  flag: string,
  env: Environment,
  cwd: string,
): Promise<PartitionLayoutInput> {
  const full = isAbsolute(path) ? path : resolve(cwd, path);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (error) {
    throw new CliUsageError(
      flag,
      `cannot read ${full}: ${(error as NodeJS.ErrnoException).code ?? String(error)}; check the path`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliUsageError(
      flag,
      `${full} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseLayout(value, path, env);
}

/** Nodes given as `--node id=host:port` (consistent hashing, weight 1). */
export function layoutFromNodeFlags(
  values: readonly string[],
  env: Environment,
): PartitionLayoutInput {
  const nodes = values.map((text) => {
    const equals = text.indexOf('=');
    if (equals <= 0)
      throw new CliUsageError(
        '--node',
        `${JSON.stringify(text)} is not id=host:port; e.g. --node cache-1=10.0.0.1:6379`,
      );
    const address = parseAddress(text.slice(equals + 1), '--node');
    return { id: text.slice(0, equals), host: address.host, port: address.port };
  });
  return parseLayout({ nodes }, '--node', env);
}
