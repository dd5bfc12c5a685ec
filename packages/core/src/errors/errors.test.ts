import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AuthError } from './auth-error.js';
import { CircuitOpenError } from './circuit-open-error.js';
import { CommandRetriesExhaustedError } from './command-retries-exhausted-error.js';
import { CommandTimeoutError } from './command-timeout-error.js';
import { ConfigError } from './config-error.js';
import { ConnectionClosedError } from './connection-closed-error.js';
import { CrossSlotError } from './cross-slot-error.js';
import { RedGridError } from './redgrid-error.js';
import { WriteNotConfirmedError } from './write-not-confirmed-error.js';

const cases = [
  [
    'ConfigError',
    ConfigError,
    () => new ConfigError([{ variable: 'REDIS_PORT', message: 'bad' }]),
    'ERR_CONFIG',
  ],
  [
    'CircuitOpenError',
    CircuitOpenError,
    () => new CircuitOpenError({ retryAfterMs: 10 }),
    'ERR_CIRCUIT_OPEN',
  ],
  [
    'CommandTimeoutError',
    CommandTimeoutError,
    () => new CommandTimeoutError({ command: 'GET', timeoutMs: 5 }),
    'ERR_COMMAND_TIMEOUT',
  ],
  [
    'CommandRetriesExhaustedError',
    CommandRetriesExhaustedError,
    () => new CommandRetriesExhaustedError({ command: 'INCR', maxRetries: 3 }),
    'ERR_COMMAND_RETRIES_EXHAUSTED',
  ],
  [
    'WriteNotConfirmedError',
    WriteNotConfirmedError,
    () => new WriteNotConfirmedError({ command: 'SET', replicasRequired: 1, reason: 'failover' }),
    'ERR_WRITE_NOT_CONFIRMED',
  ],
  ['AuthError', AuthError, () => new AuthError(), 'ERR_AUTH'],
  [
    'ConnectionClosedError',
    ConnectionClosedError,
    () => new ConnectionClosedError(),
    'ERR_CONNECTION_CLOSED',
  ],
  [
    'CrossSlotError',
    CrossSlotError,
    () => new CrossSlotError({ keys: ['a', 'b'] }),
    'ERR_CROSS_SLOT',
  ],
] as const;

describe('error hierarchy', () => {
  it.each(cases)(
    '%s has its code, name, and is a RedGridError and an Error',
    (name, _class, create, code) => {
      const error = create();
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(RedGridError);
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(RedGridError.isInstance(error)).toBe(true);
      expect(error.message.length).toBeGreaterThan(0);
    },
  );

  it.each(cases)('%s.isInstance recognises its own marker only', (name, errorClass, create) => {
    expect(errorClass.isInstance(create())).toBe(true);
    // A copy from another installation of the package: a different class, the same marker.
    const foreign = Object.assign(new Error('x'), { [Symbol.for(`redgrid.error.${name}`)]: true });
    expect(errorClass.isInstance(foreign)).toBe(true);
    for (const [, otherClass, createOther] of cases) {
      if (otherClass !== errorClass) expect(errorClass.isInstance(createOther())).toBe(false);
    }
    expect(errorClass.isInstance(new RedGridError('X', 'x'))).toBe(false);
    expect(errorClass.isInstance(null)).toBe(false);
    expect(errorClass.isInstance('ERR')).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new ConnectionClosedError('closed', { cause }).cause).toBe(cause);
    expect(new CommandTimeoutError({ command: 'GET', timeoutMs: 1 }, { cause }).cause).toBe(cause);
  });
});

describe('ConfigError', () => {
  it('lists every issue on its own line and freezes them', () => {
    const error = new ConfigError([
      { variable: 'REDIS_PORT', message: 'must be an integer' },
      { variable: 'REDIS_DB', message: 'must be >= 0' },
    ]);
    expect(error.message.split('\n')).toEqual([
      'Invalid configuration (2 problems):',
      '  REDIS_PORT: must be an integer',
      '  REDIS_DB: must be >= 0',
    ]);
    expect(Object.isFrozen(error.issues)).toBe(true);
    expect(error.issues[0]).toEqual({ variable: 'REDIS_PORT', message: 'must be an integer' });
  });
});

describe('CircuitOpenError', () => {
  it('carries retryAfterMs (rounded up, never negative) and the breaker name', () => {
    const named = new CircuitOpenError({ retryAfterMs: 12.2, breakerName: 'redis' });
    expect(named.retryAfterMs).toBe(13);
    expect(named.breakerName).toBe('redis');
    expect(named.message).toContain('"redis"');
    const anonymous = new CircuitOpenError({ retryAfterMs: -5 });
    expect(anonymous.retryAfterMs).toBe(0);
    expect('breakerName' in anonymous).toBe(false);
  });
});

describe('CommandTimeoutError', () => {
  it('names the command and the deadline', () => {
    const error = new CommandTimeoutError({ command: 'HGETALL', timeoutMs: 250 });
    expect(error.command).toBe('HGETALL');
    expect(error.timeoutMs).toBe(250);
    expect(error.message).toContain('HGETALL');
    expect(error.message).toContain('250 ms');
  });
});

describe('CrossSlotError', () => {
  it('keeps the keys and shortens long lists in the message', () => {
    const keys = Array.from({ length: 8 }, (_, index) => `k${index}`);
    const error = new CrossSlotError({ keys });
    expect(error.keys).toEqual(keys);
    expect(error.message).toContain('"k4"');
    expect(error.message).not.toContain('"k5"');
    expect(error.message).toContain('and 3 more');
  });
});

describe('AuthError', () => {
  it('has a default message that names the variables to check, not their values', () => {
    const error = new AuthError();
    expect(error.message).toContain('REDIS_PASSWORD');
    expect(inspect(error)).toContain('ERR_AUTH');
  });
});

describe('CommandRetriesExhaustedError', () => {
  it('names the command, the limit and the variable that sets it', () => {
    const error = new CommandRetriesExhaustedError({ command: 'INCR', maxRetries: 2 });
    expect(error.command).toBe('INCR');
    expect(error.maxRetries).toBe(2);
    expect(error.message).toContain('3 times');
    expect(error.message).toContain('REDIS_MAX_RETRIES_PER_REQUEST=2');
  });
});

describe('WriteNotConfirmedError', () => {
  it('says why, per reason, and names the variable to change', () => {
    const timeout = new WriteNotConfirmedError({
      command: 'SET',
      replicasRequired: 2,
      replicasConfirmed: 1,
      reason: 'timeout',
    });
    expect(timeout.message).toContain('1 of 2');
    expect(timeout.message).toContain('REDIS_WAIT_REPLICAS');
    expect(timeout.replicasConfirmed).toBe(1);
    const failover = new WriteNotConfirmedError({
      command: 'HSET',
      replicasRequired: 1,
      reason: 'failover',
    });
    expect(failover.reason).toBe('failover');
    expect(failover.replicasConfirmed).toBeUndefined();
    expect(failover.message).toContain('failover');
    const lost = new WriteNotConfirmedError({
      command: 'DEL',
      replicasRequired: 1,
      reason: 'connection-lost',
    });
    expect(lost.message).toContain('lost its connection');
  });
});
