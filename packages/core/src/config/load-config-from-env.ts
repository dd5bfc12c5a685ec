import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { type IssueSource, issuesFromZod } from './config-issues.js';
import type { RedisConfig, RedisTopology } from './redis-config.js';
import { redisConfigSchema } from './redis-config-schema.js';
import { Secret } from './secret.js';

/** An environment: `process.env` or any record of variable names to values. */
export type Environment = Readonly<Record<string, string | undefined>>;

const booleans: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
  yes: true,
  no: false,
};

// Common options: variable → option, and how the text is read.
const commonVariables = [
  ['REDIS_CONNECT_TIMEOUT', 'connectTimeoutMs', 'integer'],
  ['REDIS_COMMAND_TIMEOUT', 'commandTimeoutMs', 'integer'],
  ['REDIS_FAMILY', 'family', 'integer'],
  ['REDIS_KEEP_ALIVE', 'keepAlive', 'boolean'],
  ['REDIS_NO_DELAY', 'noDelay', 'boolean'],
  ['REDIS_CONNECTION_NAME', 'connectionName', 'text'],
  ['REDIS_ENABLE_READY_CHECK', 'enableReadyCheck', 'boolean'],
  ['REDIS_MAX_RETRIES_PER_REQUEST', 'maxRetriesPerRequest', 'retries'],
  ['REDIS_LAZY_CONNECT', 'lazyConnect', 'boolean'],
  ['REDIS_MAX_LOADING_TIMEOUT', 'maxLoadingTimeoutMs', 'integer'],
  ['REDIS_USERNAME', 'username', 'text'],
  ['REDIS_WAIT_REPLICAS', 'waitReplicas', 'integer'],
  ['REDIS_WAIT_TIMEOUT', 'waitTimeoutMs', 'integer'],
  ['REDIS_AUTO_PIPELINING', 'autoPipelining', 'boolean'],
  ['REDIS_MEMORY_WARN_RATIO', 'memoryWarnRatio', 'number'],
  ['REDIS_AUDIT', 'audit', 'boolean'],
  ['REDIS_AUDIT_WRITES', 'auditWrites', 'boolean'],
  ['REDIS_AUDIT_KEYS', 'auditKeys', 'lowercase'],
] as const;

const clusterVariables = [
  ['REDIS_CLUSTER_SCALE_READS', 'scaleReads', 'lowercase'],
  ['REDIS_CLUSTER_MAX_REDIRECTIONS', 'maxRedirections', 'integer'],
  ['REDIS_CLUSTER_RETRY_DELAY_ON_CLUSTER_DOWN', 'retryDelayOnClusterDownMs', 'integer'],
  ['REDIS_CLUSTER_RETRY_DELAY_ON_FAILOVER', 'retryDelayOnFailoverMs', 'integer'],
  ['REDIS_CLUSTER_ENABLE_OFFLINE_QUEUE', 'enableOfflineQueue', 'boolean'],
  ['REDIS_READ_FROM', 'readFrom', 'lowercase'],
] as const;

const sentinelVariables = [
  ['REDIS_MASTER_NAME', 'name', 'text'],
  ['REDIS_DB', 'db', 'integer'],
  ['REDIS_SENTINEL_RETRY_DELAY_ON_FAILOVER', 'retryDelayOnFailoverMs', 'integer'],
  ['REDIS_SENTINEL_RETRY_DELAY_ON_CLUSTER_DOWN', 'retryDelayOnClusterDownMs', 'integer'],
  ['REDIS_READ_FROM', 'readFrom', 'lowercase'],
] as const;

type Kind = 'integer' | 'number' | 'boolean' | 'text' | 'lowercase' | 'retries';

/** Collects options, where each came from, and the problems found while reading them. */
class EnvironmentReader {
  readonly issues: ConfigIssue[] = [];
  readonly sources = new Map<string, IssueSource>();
  readonly #env: Environment;

  constructor(env: Environment) {
    this.#env = env;
  }

  /** The variable's value; unset and empty (or blank) both read as undefined. */
  raw(variable: string): string | undefined {
    const value = this.#env[variable];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  text(variable: string): string | undefined {
    return this.raw(variable)?.trim();
  }

  boolean(variable: string): boolean | undefined {
    const text = this.text(variable);
    if (text === undefined) return undefined;
    const value = booleans[text.toLowerCase()];
    if (value === undefined) {
      this.issue(
        variable,
        `must be one of true, false, 1, 0, yes, no; got ${JSON.stringify(text)}`,
      );
    }
    return value;
  }

  issue(variable: string, message: string): void {
    this.issues.push({ variable, message });
  }

  /**
   * Reads `variable` into `target[option]`, recording the source so that schema issues about
   * `path` name the variable. Integers that do not parse are passed on as text: the schema then
   * rejects them with the option's own message ("must be an integer from 1 to 65535").
   */
  read(
    target: Record<string, unknown>,
    path: string,
    option: string,
    variable: string,
    kind: Kind,
  ): void {
    const text = this.text(variable);
    if (text === undefined) return;
    let value: unknown = text;
    if (kind === 'boolean') {
      value = this.boolean(variable);
      if (value === undefined) return;
    } else if (kind === 'integer') {
      value = parseInteger(text);
    } else if (kind === 'number') {
      value = /^[+-]?(\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : text;
    } else if (kind === 'lowercase') {
      value = text.toLowerCase();
    } else if (kind === 'retries') {
      const lower = text.toLowerCase();
      value = lower === 'null' || lower === 'unlimited' ? null : parseInteger(text);
      if (typeof value === 'string') {
        this.issue(
          variable,
          `must be an integer >= 0, or null to retry forever; got ${JSON.stringify(text)}`,
        );
        return;
      }
    }
    target[option] = value;
    this.sources.set(`${path}.${option}`, { variable, value: text });
  }

  /** `REDIS_<prefix><n>_HOST` / `_PORT` pairs, sorted by n (numerically). */
  addresses(prefix: string, path: string, label: string): { host: string; port: unknown }[] {
    const pattern = new RegExp(`^REDIS_${prefix}(\\d+)_(HOST|PORT)$`);
    const found = new Map<string, { host?: string; port?: string }>();
    for (const variable of Object.keys(this.#env)) {
      const match = pattern.exec(variable);
      const text = match === null ? undefined : this.text(variable);
      if (match === null || text === undefined) continue;
      const index = match[1] ?? '';
      const entry = found.get(index) ?? {};
      if (match[2] === 'HOST') entry.host = text;
      else entry.port = text;
      found.set(index, entry);
    }
    const indexes = [...found.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
    const addresses: { host: string; port: unknown }[] = [];
    for (const index of indexes) {
      const { host, port } = found.get(index) ?? {};
      const hostVariable = `REDIS_${prefix}${index}_HOST`;
      const portVariable = `REDIS_${prefix}${index}_PORT`;
      if (host === undefined) {
        this.issue(
          hostVariable,
          `missing: ${portVariable} is set, so set ${hostVariable} to the ${label}'s host name or IP address too`,
        );
        continue;
      }
      if (port === undefined) {
        this.issue(
          portVariable,
          `missing: ${hostVariable} is set, so set ${portVariable} to the ${label}'s TCP port too`,
        );
        continue;
      }
      const at = `${path}[${addresses.length}]`;
      this.sources.set(`${at}.host`, { variable: hostVariable, value: host });
      this.sources.set(`${at}.port`, { variable: portVariable, value: port });
      addresses.push({ host, port: parseInteger(port) });
    }
    return addresses;
  }
}

/** "42" → 42, "-1" → -1; anything else is returned as the text itself. */
function parseInteger(text: string): number | string {
  return /^[+-]?\d+$/.test(text) ? Number(text) : text;
}

/** REDIS_URL (single server only): fills host, port, db, username, password and TLS. */
function readUrl(reader: EnvironmentReader, options: Record<string, unknown>): boolean {
  const text = reader.text('REDIS_URL');
  if (text === undefined) return false;
  const usage = 'use redis://[[username]:password@]host[:port][/db], or rediss:// for TLS';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Never echo the URL: it may contain the password.
    reader.issue('REDIS_URL', `is not a valid URL; ${usage}`);
    return false;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    reader.issue('REDIS_URL', `has scheme ${JSON.stringify(url.protocol)}; ${usage}`);
    return false;
  }
  const fromUrl: Record<string, unknown> = {};
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host !== '') fromUrl.host = host;
  if (url.port !== '') fromUrl.port = Number(url.port);
  const database = url.pathname.replace(/^\//, '');
  if (database !== '') {
    if (/^\d+$/.test(database)) fromUrl.db = Number(database);
    else reader.issue('REDIS_URL', `its path must be a database number such as /0; ${usage}`);
  }
  try {
    if (url.username !== '') fromUrl.username = decodeURIComponent(url.username);
    if (url.password !== '') fromUrl.password = decodeURIComponent(url.password);
  } catch {
    reader.issue(
      'REDIS_URL',
      'has a malformed %-escape in its user name or password; percent-encode them',
    );
  }
  // An explicit variable and the URL may both set a part; they must agree.
  const explicit = [
    ['host', 'REDIS_HOST'],
    ['port', 'REDIS_PORT'],
    ['db', 'REDIS_DB'],
    ['username', 'REDIS_USERNAME'],
    ['password', 'REDIS_PASSWORD'],
  ] as const;
  for (const [option, variable] of explicit) {
    const value = fromUrl[option];
    if (value === undefined) continue;
    const current = options[option];
    if (current === undefined) {
      options[option] = value;
      if (option !== 'password') {
        reader.sources.set(`options.${option}`, { variable: 'REDIS_URL', value: String(value) });
      }
      continue;
    }
    const same = Secret.isInstance(current) ? current.reveal() === value : current === value;
    if (!same) {
      reader.issue(variable, `conflicts with the ${option} in REDIS_URL; set only one of them`);
    }
  }
  return url.protocol === 'rediss:';
}

function readTls(
  reader: EnvironmentReader,
  options: Record<string, unknown>,
  rediss: boolean,
): void {
  const flag = reader.boolean('REDIS_TLS');
  const variables = [
    ['REDIS_TLS_CA', 'caPath'],
    ['REDIS_TLS_CERT', 'certPath'],
    ['REDIS_TLS_KEY', 'keyPath'],
    ['REDIS_TLS_SERVERNAME', 'servername'],
  ] as const;
  const anySet =
    variables.some(([variable]) => reader.text(variable) !== undefined) ||
    reader.text('REDIS_TLS_REJECT_UNAUTHORIZED') !== undefined;
  if (flag === false && rediss) {
    reader.issue(
      'REDIS_TLS',
      'is false but REDIS_URL uses rediss:// (TLS); set REDIS_TLS=true or use redis://',
    );
    return;
  }
  // REDIS_TLS decides; unset, TLS is on when the URL is rediss:// or any REDIS_TLS_* is set.
  if (!(flag ?? (rediss || anySet))) return;
  const tls: Record<string, unknown> = {};
  for (const [variable, option] of variables) {
    const text = reader.text(variable);
    if (text === undefined) continue;
    tls[option] = text;
    // Paths appear in the schema's own message ("file not found: <path>").
    reader.sources.set(`options.tls.${option}`, { variable });
  }
  // A certificate without its key (or the reverse) is reported on the missing variable.
  if (tls.certPath !== undefined && tls.keyPath === undefined) {
    reader.sources.set('options.tls.keyPath', {
      variable: 'REDIS_TLS_KEY',
      message: 'a client certificate (REDIS_TLS_CERT) needs its private key; set REDIS_TLS_KEY too',
    });
  }
  if (tls.keyPath !== undefined && tls.certPath === undefined) {
    reader.sources.set('options.tls.certPath', {
      variable: 'REDIS_TLS_CERT',
      message: 'a client private key (REDIS_TLS_KEY) needs its certificate; set REDIS_TLS_CERT too',
    });
  }
  reader.read(tls, 'options.tls', 'rejectUnauthorized', 'REDIS_TLS_REJECT_UNAUTHORIZED', 'boolean');
  options.tls = tls;
}

function buildInput(
  reader: EnvironmentReader,
  type: RedisTopology,
  common: Record<string, unknown>,
): Record<string, unknown> {
  const options: Record<string, unknown> = { ...common };
  let rediss = false;
  if (type === 'single') {
    reader.read(options, 'options', 'host', 'REDIS_HOST', 'text');
    reader.read(options, 'options', 'port', 'REDIS_PORT', 'integer');
    reader.read(options, 'options', 'db', 'REDIS_DB', 'integer');
    rediss = readUrl(reader, options);
    const readFrom = reader.text('REDIS_READ_FROM');
    if (readFrom !== undefined && readFrom.toLowerCase() !== 'master') {
      reader.issue(
        'REDIS_READ_FROM',
        'reads from replicas need replicas: set REDIS_SENTINEL=true or REDIS_CLUSTER=true, or unset REDIS_READ_FROM (a single server is its own master)',
      );
    }
  } else if (type === 'cluster') {
    const hadIssues = reader.issues.length;
    options.nodes = reader.addresses('NODE', 'options.nodes', 'node');
    reader.sources.set(
      'options.nodes',
      reader.issues.length > hadIssues
        ? { variable: 'REDIS_NODE1_HOST', suppress: true }
        : {
            variable: 'REDIS_NODE1_HOST',
            message:
              'cluster mode (REDIS_CLUSTER) needs at least one node; set REDIS_NODE1_HOST and REDIS_NODE1_PORT (and REDIS_NODE2_..., REDIS_NODE3_... for more seed nodes)',
          },
    );
    for (const [variable, option, kind] of clusterVariables)
      reader.read(options, 'options', option, variable, kind);
  } else {
    const hadIssues = reader.issues.length;
    options.sentinels = reader.addresses('SENTINEL', 'options.sentinels', 'Sentinel');
    reader.sources.set(
      'options.sentinels',
      reader.issues.length > hadIssues
        ? { variable: 'REDIS_SENTINEL1_HOST', suppress: true }
        : {
            variable: 'REDIS_SENTINEL1_HOST',
            message:
              'Sentinel mode (REDIS_SENTINEL) needs at least one Sentinel; set REDIS_SENTINEL1_HOST and REDIS_SENTINEL1_PORT (three Sentinels in production)',
          },
    );
    for (const [variable, option, kind] of sentinelVariables)
      reader.read(options, 'options', option, variable, kind);
  }
  readTls(reader, options, rediss);
  return { type, options };
}

/**
 * Reads a Redis configuration from environment variables (`process.env` by default): the
 * topology from `REDIS_CLUSTER` / `REDIS_SENTINEL` (neither: a single server), then only the
 * variables of that topology, so one `.env` can hold all three and switching is one flag.
 *
 * - single: `REDIS_URL` (redis:// or rediss://, user:password, /db) and/or `REDIS_HOST`,
 *   `REDIS_PORT`, `REDIS_DB` (the URL and an explicit variable may both be set only if they
 *   agree).
 * - cluster: `REDIS_NODE<n>_HOST` + `REDIS_NODE<n>_PORT` for any n (sorted by n), and
 *   `REDIS_CLUSTER_SCALE_READS`, `_MAX_REDIRECTIONS`, `_RETRY_DELAY_ON_CLUSTER_DOWN`,
 *   `_RETRY_DELAY_ON_FAILOVER`, `_ENABLE_OFFLINE_QUEUE`.
 * - sentinel: `REDIS_SENTINEL<n>_HOST` + `_PORT`, `REDIS_MASTER_NAME`, `REDIS_DB`,
 *   `REDIS_SENTINEL_RETRY_DELAY_ON_FAILOVER`, `REDIS_SENTINEL_RETRY_DELAY_ON_CLUSTER_DOWN`.
 * - cluster and sentinel: `REDIS_READ_FROM` (master, replica, prefer-replica).
 * - all: `REDIS_USERNAME`, `REDIS_PASSWORD`, `REDIS_CONNECT_TIMEOUT`, `REDIS_COMMAND_TIMEOUT`,
 *   `REDIS_FAMILY`, `REDIS_KEEP_ALIVE`, `REDIS_NO_DELAY`, `REDIS_CONNECTION_NAME`,
 *   `REDIS_ENABLE_READY_CHECK`, `REDIS_MAX_RETRIES_PER_REQUEST` (or `null`),
 *   `REDIS_LAZY_CONNECT`, `REDIS_MAX_LOADING_TIMEOUT`, the write fence `REDIS_WAIT_REPLICAS` /
 *   `REDIS_WAIT_TIMEOUT`, `REDIS_AUTO_PIPELINING`, `REDIS_MEMORY_WARN_RATIO`, the audit log `REDIS_AUDIT` /
 *   `REDIS_AUDIT_WRITES` / `REDIS_AUDIT_KEYS`, and TLS: `REDIS_TLS`,
 *   `REDIS_TLS_SERVERNAME`, `REDIS_TLS_REJECT_UNAUTHORIZED`, `REDIS_TLS_CA` / `_CERT` / `_KEY`
 *   (file paths). With `REDIS_TLS` unset, TLS is on when the URL is rediss:// or any
 *   `REDIS_TLS_*` variable is set.
 *
 * Booleans are true/false/1/0/yes/no (any case); numbers are whole milliseconds. A variable
 * set to the empty string counts as unset. Defaults are those of `defineConfig`.
 *
 * Throws one `ConfigError` listing every problem by variable name with the fix; values of
 * `REDIS_PASSWORD` and `REDIS_URL` never appear in it. Gotcha: the TLS files are checked to
 * exist (a synchronous stat), the only I/O of @redgrid/core; they are not read.
 *
 * @example
 * const config = loadConfigFromEnv(); // REDIS_URL=rediss://app:s3cret@redis.internal:6380/2
 */
export function loadConfigFromEnv(env: Environment = process.env): RedisConfig {
  const reader = new EnvironmentReader(env);
  const cluster = reader.boolean('REDIS_CLUSTER') ?? false;
  const sentinel = reader.boolean('REDIS_SENTINEL') ?? false;
  const types: RedisTopology[] =
    cluster && sentinel
      ? ['cluster', 'sentinel']
      : cluster
        ? ['cluster']
        : sentinel
          ? ['sentinel']
          : ['single'];
  if (cluster && sentinel) {
    reader.issue(
      'REDIS_CLUSTER',
      'REDIS_CLUSTER and REDIS_SENTINEL are both true; set at most one of them (neither means a single server)',
    );
  }

  const common: Record<string, unknown> = {};
  for (const [variable, option, kind] of commonVariables)
    reader.read(common, 'options', option, variable, kind);
  const password = reader.raw('REDIS_PASSWORD');
  if (password !== undefined) common.password = new Secret(password);

  // With both flags set, validate both shapes so that every problem is reported at once.
  let config: RedisConfig | undefined;
  const issues = new Map<string, ConfigIssue>();
  for (const type of types) {
    const input = buildInput(reader, type, common);
    const result = redisConfigSchema.safeParse(input);
    if (result.success) config = result.data;
    else
      for (const issue of issuesFromZod(result.error, input, reader.sources))
        issues.set(`${issue.variable}\0${issue.message}`, issue);
  }
  for (const issue of reader.issues) issues.set(`${issue.variable}\0${issue.message}`, issue);
  if (issues.size > 0 || config === undefined) {
    throw new ConfigError(sortIssues([...issues.values()]));
  }
  return config;
}

/** Reader issues and schema issues interleave; list them by variable for a readable message. */
function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.sort((a, b) => (a.variable < b.variable ? -1 : a.variable > b.variable ? 1 : 0));
}
