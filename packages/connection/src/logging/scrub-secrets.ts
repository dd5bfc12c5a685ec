import type { RedisConfig } from '@redgrid/core';

/**
 * `text` with every occurrence of each secret (of at least 4 characters) replaced by
 * `[redacted]`. Applied to error messages before they are logged or kept as `lastError`: an
 * error from a proxy or a future server version could echo what it was sent.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4 && result.includes(secret))
      result = result.split(secret).join('[redacted]');
  }
  return result;
}

/** The secrets of a configuration (passwords, TLS key) to scrub from messages. */
export function configSecrets(config: RedisConfig): string[] {
  const secrets: string[] = [];
  if (config.options.password !== undefined) secrets.push(config.options.password.reveal());
  if (config.type === 'sentinel' && config.options.sentinelPassword !== undefined) {
    secrets.push(config.options.sentinelPassword.reveal());
  }
  if (config.options.tls?.key !== undefined) secrets.push(config.options.tls.key.reveal());
  return secrets;
}
