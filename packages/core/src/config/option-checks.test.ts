import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/config-error.js';
import { describeValue, OptionChecks } from './option-checks.js';

describe('OptionChecks', () => {
  it('collects every bad option, naming it, and throws them as one ConfigError', () => {
    const checks = new OptionChecks('options')
      .integer('batchSize', 0, 1)
      .number('ratio', 0, 0, { above: true })
      .durationMs('timeoutMs', 1.5, 0, { integer: true })
      .oneOf('by', 'weight', ['slots', 'memory'])
      .callback('onProgress', 'yes')
      .text('match', 42)
      .integer('left out', undefined, 1);
    expect(checks.issues).toEqual([
      { variable: 'options.batchSize', message: 'must be an integer >= 1; got 0' },
      { variable: 'options.ratio', message: 'must be a finite number > 0; got 0' },
      {
        variable: 'options.timeoutMs',
        message: 'must be an integer of milliseconds >= 0; got 1.5',
      },
      { variable: 'options.by', message: `must be 'slots', 'memory'; got "weight"` },
      { variable: 'options.onProgress', message: 'must be a function; got "yes"' },
      { variable: 'options.match', message: 'must be a string; got 42' },
    ]);
    expect(() => checks.throwIfAny()).toThrow(ConfigError);
    expect(() => new OptionChecks().integer('n', 3, 1).throwIfAny()).not.toThrow();
  });

  it('describes values without printing objects (which may hold secrets)', () => {
    expect([null, [1], { password: 'x' }, () => 1, 'a', 2, true].map(describeValue)).toEqual([
      'null',
      'an array',
      'an object',
      'a function',
      '"a"',
      '2',
      'true',
    ]);
  });
});
