import { describe, expect, it } from 'vitest';
import { RedGridError } from './redgrid-error.js';

describe('RedGridError', () => {
  it('is recognised by its marker, not by its class identity', () => {
    const foreign = Object.assign(new Error('from another copy'), {
      [Symbol.for('redgrid.error')]: true,
      code: 'X',
    });
    expect(RedGridError.isInstance(new RedGridError('E_TEST', 'test'))).toBe(true);
    expect(RedGridError.isInstance(foreign)).toBe(true);
    expect(RedGridError.isInstance(new Error('plain'))).toBe(false);
  });
});
