import { describe, expect, it } from 'vitest';
import { defineConfig } from './define-config.js';
import { redact } from './redact.js';
import { Secret } from './secret.js';

describe('redact', () => {
  it('replaces every Secret of a config and keeps the rest', () => {
    const config = defineConfig({
      type: 'sentinel',
      options: {
        sentinels: [{ host: 's', port: 26379 }],
        password: 'hunter2',
        sentinelPassword: 'other',
        tls: { cert: 'CERT', key: 'KEY' },
      },
    });
    const result = redact(config);
    expect(result).toMatchObject({
      type: 'sentinel',
      options: {
        password: '[redacted]',
        sentinelPassword: '[redacted]',
        sentinels: [{ host: 's', port: 26379 }],
        tls: { cert: 'CERT', key: '[redacted]', rejectUnauthorized: true },
      },
    });
    expect(JSON.stringify(result)).not.toMatch(/hunter2|other|KEY"/);
  });

  it('redacts plain strings under secret-looking keys and credentials in URLs', () => {
    expect(
      redact({
        password: 'a',
        sentinelPassword: 'b',
        apiToken: 'c',
        key: 'd',
        passphrase: 'e',
        keyPath: '/etc/key.pem',
        url: 'redis://user:hunter2@h:6379/0 and rediss://:pw@x',
        list: [{ password: 'f' }, new Secret('g')],
      }),
    ).toEqual({
      password: '[redacted]',
      sentinelPassword: '[redacted]',
      apiToken: '[redacted]',
      key: '[redacted]',
      passphrase: '[redacted]',
      keyPath: '/etc/key.pem',
      url: 'redis://user:[redacted]@h:6379/0 and rediss://:[redacted]@x',
      list: [{ password: '[redacted]' }, '[redacted]'],
    });
  });

  it('does not modify its input, copies class instances by reference and survives cycles', () => {
    const date = new Date(0);
    const input: Record<string, unknown> = { password: 'x', date };
    input.self = input;
    const result = redact(input) as Record<string, unknown>;
    expect(input.password).toBe('x');
    expect(result.date).toBe(date);
    expect(result.self).toBe('[circular]');
    expect(redact(42)).toBe(42);
    expect(redact(null)).toBe(null);
  });
});
