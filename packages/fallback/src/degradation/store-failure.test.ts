import { CircuitOpenError, CommandTimeoutError, ConnectionClosedError } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { isRedisUnavailable, isStoreFailure } from './store-failure.js';

// ioredis rejects a command answered with an error reply with a `ReplyError` (name and message).
function reply(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('isStoreFailure', () => {
  it.each([
    ['an open breaker', new CircuitOpenError({ retryAfterMs: 100 })],
    ['a passed deadline', new CommandTimeoutError({ command: 'GET', timeoutMs: 10 })],
    ['a closed connection', new ConnectionClosedError()],
    [
      'a refused socket',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['ioredis giving up', Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' })],
    ['a closed stream', new Error('Connection is closed.')],
    ['LOADING', reply('LOADING Redis is loading the dataset in memory')],
    ['MASTERDOWN', reply('MASTERDOWN Link with MASTER is down')],
    ['CLUSTERDOWN', reply('CLUSTERDOWN The cluster is down')],
    ['READONLY', reply("READONLY You can't write against a read only replica.")],
    ['TRYAGAIN', reply('TRYAGAIN Multiple keys request during rehashing of slot')],
    ['BUSY', reply('BUSY Redis is busy running a script.')],
    ['OOM', reply("OOM command not allowed when used memory > 'maxmemory'.")],
  ])('is true for %s', (_name, error) => {
    expect(isStoreFailure(error)).toBe(true);
  });

  it.each([
    ['WRONGTYPE', reply('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['a Lua error', reply('ERR user_script:1: Script attempted to access nonexistent global')],
    ['NOSCRIPT', reply('NOSCRIPT No matching script. Please use EVAL.')],
    ['NOPERM', reply('NOPERM this user has no permissions to run the eval command')],
    ['a CROSSSLOT reply', reply("CROSSSLOT Keys in request don't hash to the same slot")],
    ['a plain error', new Error('bad argument')],
    ['a TypeError', new TypeError('x is not a function')],
    ['a string', 'BUSY'],
    ['null', null],
    ['undefined', undefined],
  ])('is false for %s', (_name, error) => {
    expect(isStoreFailure(error)).toBe(false);
  });

  it('matches TRYAGAIN, BUSY and OOM only as reply errors', () => {
    expect(isStoreFailure(new Error('BUSY Redis is busy running a script.'))).toBe(false);
  });

  it('keeps isRedisUnavailable as the same function', () => {
    expect(isRedisUnavailable).toBe(isStoreFailure);
  });
});
