import { Secret } from './secret.js';

const redacted = '[redacted]';
// Keys whose plain-string values are treated as secrets even when not wrapped in a Secret
// (a hand-built object, an ioredis options object about to be logged).
const secretKey = /pass(word|phrase)?$|secret|token|^key$|private.?key|credential/i;
// user:password@ in any URL-looking string.
const urlCredentials = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi;

/**
 * A copy of `value` that is safe to log: every `Secret` becomes `'[redacted]'`, so do plain
 * strings under secret-looking keys (`password`, `sentinelPassword`, `key`, `token`, ...) and
 * the password part of URLs such as `redis://user:password@host`. Use it on a `RedisConfig`
 * (or an options object derived from one) before logging it or putting it in a health report.
 *
 * Gotcha: only plain objects and arrays are walked; other class instances (Date, Map, a client)
 * are copied by reference unchanged. Cycles are replaced by `'[circular]'`.
 */
export function redact(value: unknown): unknown {
  return walk(value, '', new WeakSet());
}

function walk(value: unknown, key: string, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') {
    return secretKey.test(key) ? redacted : value.replace(urlCredentials, `$1${redacted}@`);
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Secret.isInstance(value)) return redacted;
  if (seen.has(value)) return '[circular]';
  if (Array.isArray(value)) {
    seen.add(value);
    const copy = value.map((entry) => walk(entry, key, seen));
    seen.delete(value);
    return copy;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  seen.add(value);
  const copy: Record<string, unknown> = {};
  for (const [entryKey, entry] of Object.entries(value))
    copy[entryKey] = walk(entry, entryKey, seen);
  seen.delete(value);
  return copy;
}
