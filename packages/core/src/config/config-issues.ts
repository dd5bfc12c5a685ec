import type { z } from 'zod';
import type { ConfigIssue } from '../errors/config-error.js';

/**
 * Where a validated option came from, when it was not written as an object by the user: the
 * environment variable to name in the issue instead of the option path.
 */
export interface IssueSource {
  readonly variable: string;
  /** The value as written, shown in the message. Never set for secrets. */
  readonly value?: string;
  /** Replaces the schema's message (for messages that must talk in variables). */
  readonly message?: string;
  /** Drop the schema's issue: a more precise one was already reported for this variable. */
  readonly suppress?: boolean;
}

// Options that exist, but on another topology: an unknown key that is one of these gets a
// message saying so instead of a spelling suggestion.
const topologyOfOption: Readonly<Record<string, string>> = {
  host: "'single' (a cluster takes options.nodes, a Sentinel group options.sentinels)",
  port: "'single' (a cluster takes options.nodes, a Sentinel group options.sentinels)",
  db: "'single' or 'sentinel' (Redis Cluster has only database 0)",
  nodes: "'cluster'",
  scaleReads: "'cluster'",
  maxRedirections: "'cluster'",
  enableOfflineQueue: "'cluster'",
  natMap: "'cluster'",
  sentinels: "'sentinel'",
  name: "'sentinel'",
  sentinelUsername: "'sentinel'",
  sentinelPassword: "'sentinel'",
  retryDelayOnClusterDownMs: "'cluster' or 'sentinel'",
  retryDelayOnFailoverMs: "'cluster' or 'sentinel'",
  readFrom: "'cluster' or 'sentinel' (a single server has no replicas)",
};

const knownNames = [
  ...Object.keys(topologyOfOption),
  'type',
  'options',
  'username',
  'password',
  'connectTimeoutMs',
  'commandTimeoutMs',
  'family',
  'keepAlive',
  'noDelay',
  'connectionName',
  'enableReadyCheck',
  'maxRetriesPerRequest',
  'lazyConnect',
  'maxLoadingTimeoutMs',
  'waitReplicas',
  'waitTimeoutMs',
  'autoPipelining',
  'memoryWarnRatio',
  'audit',
  'auditWrites',
  'auditKeys',
  'tls',
  'servername',
  'rejectUnauthorized',
  'caPath',
  'certPath',
  'keyPath',
  'ca',
  'cert',
  'key',
];

/** `['options', 'nodes', 2, 'port']` → `options.nodes[2].port`; the empty path is `config`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let result = '';
  for (const segment of path) {
    if (typeof segment === 'number') result += `[${segment}]`;
    else result += result === '' ? String(segment) : `.${String(segment)}`;
  }
  return result === '' ? 'config' : result;
}

/** Levenshtein distance, small inputs only (option names). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeyMessage(key: string, type: unknown): string {
  const topology = topologyOfOption[key];
  if (topology !== undefined && (typeof type !== 'string' || !topology.includes(`'${type}'`))) {
    return `is not an option of type '${String(type)}'; it belongs to type ${topology}. Change the type or remove it`;
  }
  const lower = key.toLowerCase();
  const suggestion = knownNames.find(
    (name) =>
      name !== key &&
      (distance(name.toLowerCase(), lower) <= 2 ||
        (lower.length >= 4 && name.toLowerCase().startsWith(lower))),
  );
  return suggestion === undefined
    ? 'is not a known option; remove it or check the spelling'
    : `is not a known option; did you mean ${suggestion}?`;
}

/**
 * Turns zod's issues into ConfigIssues named by variable (via `sources`) or option path.
 * `input` is only read for its `type`, to phrase messages about misplaced options.
 */
export function issuesFromZod(
  error: z.ZodError,
  input: unknown,
  sources: ReadonlyMap<string, IssueSource> = new Map(),
): ConfigIssue[] {
  const type =
    typeof input === 'object' && input !== null && 'type' in input ? input.type : undefined;
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({
          variable: formatPath([...issue.path, key]),
          message: unknownKeyMessage(key, type),
        });
      }
      continue;
    }
    if (issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type') {
      issues.push({
        variable: 'type',
        message: "must be 'single', 'cluster' or 'sentinel'",
      });
      continue;
    }
    const path = formatPath(issue.path);
    const source = sources.get(path);
    if (source === undefined) {
      issues.push({ variable: path, message: issue.message });
      continue;
    }
    if (source.suppress === true) continue;
    const message = source.message ?? issue.message;
    issues.push({
      variable: source.variable,
      message:
        source.value === undefined ? message : `${message}; got ${JSON.stringify(source.value)}`,
    });
  }
  return issues;
}
