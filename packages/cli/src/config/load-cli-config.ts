import { ConfigError, type Environment, loadConfigFromEnv, type RedisConfig } from '@redgrid/core';
import { CliUsageError } from '../cli/cli-usage-error.js';
import { type FlagSpecs, type Flags, listFlag, stringFlag } from '../cli/parse-flags.js';

/** Flags that point a command at Redis, overriding the REDIS_* environment variables. */
export const connectionFlags: FlagSpecs = {
  url: {
    type: 'string',
    value: 'URL',
    description: 'a single server: redis://[user:password@]host:port[/db] (overrides REDIS_URL)',
  },
  host: { type: 'string', value: 'HOST', description: 'a single server (overrides REDIS_HOST)' },
  port: { type: 'string', value: 'PORT', description: 'its port (overrides REDIS_PORT)' },
  'cluster-node': {
    type: 'string',
    multiple: true,
    value: 'HOST:PORT',
    description:
      'a Redis Cluster seed node, repeatable (overrides REDIS_CLUSTER and REDIS_NODEn_*)',
  },
};

const topologyVariable =
  /^REDIS_(CLUSTER|SENTINEL|HOST|PORT|DB|URL|MASTER_NAME|NODE\d+_(HOST|PORT)|SENTINEL\d+_(HOST|PORT))$/;

/** The environment without the variables that choose and address a topology. */
export function commonEnvironment(env: Environment): Record<string, string | undefined> {
  const common: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env))
    if (!topologyVariable.test(name)) common[name] = value;
  return common;
}

/** Parses `host:port` (IPv6 in brackets), or throws `CliUsageError` naming `input`. */
export function parseAddress(text: string, input: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new CliUsageError(
      input,
      `${JSON.stringify(text)} is not host:port; e.g. ${input} 10.0.0.1:7000`,
    );
  }
  return { host: match[1].replace(/^\[(.*)\]$/, '$1'), port };
}

/** Rewrites a `ConfigError` so that issues caused by a flag name the flag too. */
function renameIssues(error: ConfigError, names: ReadonlyMap<string, string>): ConfigError {
  return new ConfigError(
    error.issues.map((issue) => {
      const flag = names.get(issue.variable);
      return flag ? { ...issue, variable: `${flag} (${issue.variable})` } : issue;
    }),
    { cause: error },
  );
}

/**
 * The Redis configuration of a command: `loadConfigFromEnv` (REDIS_CLUSTER, REDIS_NODEn_*,
 * REDIS_SENTINEL..., REDIS_HOST/PORT/URL, REDIS_PASSWORD, TLS, timeouts...) with the
 * connection flags on top: `--cluster-node` selects a cluster with those seeds, `--url` /
 * `--host` / `--port` a single server. Throws `ConfigError` naming the variable (and flag).
 */
export function loadCliConfig(env: Environment, flags: Flags): RedisConfig {
  const overlay: Record<string, string | undefined> = { ...env };
  const names = new Map<string, string>();
  const seeds = listFlag(flags, 'cluster-node');
  const url = stringFlag(flags, 'url');
  const host = stringFlag(flags, 'host');
  const port = stringFlag(flags, 'port');
  if (seeds.length > 0 && (url ?? host ?? port) !== undefined) {
    throw new CliUsageError(
      '--cluster-node',
      'cannot be combined with --url, --host or --port; give either cluster seeds or a single server',
    );
  }
  if (seeds.length > 0) {
    for (const name of Object.keys(overlay))
      if (/^REDIS_NODE\d+_(HOST|PORT)$/.test(name)) delete overlay[name];
    overlay.REDIS_CLUSTER = 'true';
    overlay.REDIS_SENTINEL = 'false';
    seeds.forEach((seed, index) => {
      const address = parseAddress(seed, '--cluster-node');
      overlay[`REDIS_NODE${index + 1}_HOST`] = address.host;
      overlay[`REDIS_NODE${index + 1}_PORT`] = String(address.port);
    });
  } else if ((url ?? host ?? port) !== undefined) {
    overlay.REDIS_CLUSTER = 'false';
    overlay.REDIS_SENTINEL = 'false';
    if (url !== undefined) {
      overlay.REDIS_URL = url;
      names.set('REDIS_URL', '--url');
    }
    if (host !== undefined) {
      overlay.REDIS_HOST = host;
      names.set('REDIS_HOST', '--host');
    }
    if (port !== undefined) {
      overlay.REDIS_PORT = port;
      names.set('REDIS_PORT', '--port');
    }
  }
  try {
    return loadConfigFromEnv(overlay);
  } catch (error) {
    if (ConfigError.isInstance(error) && names.size > 0) throw renameIssues(error, names);
    throw error;
  }
}
