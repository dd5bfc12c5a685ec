import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.js';

describe('Secret', () => {
  const secret = new Secret('hunter2');

  it('reveals the value only through reveal()', () => {
    expect(secret.reveal()).toBe('hunter2');
  });

  it('never prints the value', () => {
    const printed = [
      String(secret),
      `${secret}`,
      secret.toString(),
      JSON.stringify(secret),
      JSON.stringify({ password: secret }),
      inspect(secret),
      inspect({ nested: { password: secret } }, { depth: 10, showHidden: true }),
      `${Object.keys(secret)}`,
      JSON.stringify(structuredClone({ ...secret })),
    ];
    for (const text of printed) expect(text).not.toContain('hunter2');
    expect(String(secret)).toBe('[redacted]');
    expect(JSON.stringify({ password: secret })).toBe('{"password":"[redacted]"}');
  });

  it('is recognised across copies by its marker', () => {
    expect(Secret.isInstance(secret)).toBe(true);
    expect(Secret.isInstance({ [Symbol.for('redgrid.secret')]: true })).toBe(true);
    expect(Secret.isInstance('hunter2')).toBe(false);
    expect(Secret.isInstance(null)).toBe(false);
  });
});
