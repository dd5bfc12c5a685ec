import {
  AuthError,
  CircuitOpenError,
  CommandTimeoutError,
  ConnectionClosedError,
  CrossSlotError,
} from '@redgrid/core';
import { ReplyError } from 'ioredis';
import { describe, expect, it } from 'vitest';
import {
  isAuthFailure,
  isConnectionFailure,
  isFailoverInProgress,
} from './is-connection-failure.js';

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code, syscall: 'connect' });
}

describe('isConnectionFailure', () => {
  it('counts what says Redis is unavailable', () => {
    for (const error of [
      new CommandTimeoutError({ command: 'GET', timeoutMs: 5 }),
      systemError('ECONNREFUSED'),
      systemError('ECONNRESET'),
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
      new Error("Cluster isn't ready and enableOfflineQueue options is false"),
      Object.assign(new Error('Reached the max retries per request limit'), {
        name: 'MaxRetriesPerRequestError',
      }),
      new ReplyError('LOADING Redis is loading the dataset in memory'),
      new ReplyError('CLUSTERDOWN The cluster is down'),
      new ReplyError("READONLY You can't write against a read only replica."),
      new ReplyError('MASTERDOWN Link with MASTER is down'),
    ]) {
      expect(isConnectionFailure(error), String(error)).toBe(true);
    }
  });

  it('does not count what says the request was wrong, or was never sent', () => {
    for (const error of [
      new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value'),
      new ReplyError('NOSCRIPT No matching script. Please use EVAL.'),
      new ReplyError('EXECABORT Transaction discarded because of previous errors.'),
      new ReplyError("ERR unknown command 'FOO'"),
      new ReplyError("CROSSSLOT Keys in request don't hash to the same slot"),
      new Error('Connection in subscriber mode, only subscriber commands may be used'),
      new CircuitOpenError({ retryAfterMs: 10 }),
      new CrossSlotError({ keys: ['a', 'b'] }),
      new AuthError(),
      new ConnectionClosedError(),
      undefined,
      'a string',
    ]) {
      expect(isConnectionFailure(error), String(error)).toBe(false);
    }
  });
});

describe('isAuthFailure', () => {
  it('recognises refused credentials, also wrapped by Sentinel and cluster errors', () => {
    expect(isAuthFailure(new ReplyError('WRONGPASS invalid username-password pair'))).toBe(true);
    expect(isAuthFailure(new ReplyError('NOAUTH Authentication required.'))).toBe(true);
    expect(isAuthFailure(new ReplyError('ERR invalid password'))).toBe(true);
    expect(
      isAuthFailure(
        new Error('All sentinels are unreachable. Last error: WRONGPASS invalid username-password'),
      ),
    ).toBe(true);
    expect(isAuthFailure(new Error('Connection is closed.'))).toBe(false);
    expect(isAuthFailure(new ReplyError('WRONGTYPE Operation against a key'))).toBe(false);
  });
});

describe('isFailoverInProgress', () => {
  it('recognises the steps of a failover that ioredis retries', () => {
    for (const error of [
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new ReplyError('MOVED 3999 127.0.0.1:7001'),
      new ReplyError('ASK 3999 127.0.0.1:7001'),
      new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'),
      new ReplyError('CLUSTERDOWN The cluster is down'),
      new ReplyError("READONLY You can't write against a read only replica."),
      new ReplyError('LOADING Redis is loading the dataset in memory'),
    ]) {
      expect(isFailoverInProgress(error), String(error)).toBe(true);
    }
  });

  it('leaves out what says the server is gone or the request is wrong', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      new CommandTimeoutError({ command: 'GET', timeoutMs: 5 }),
      new ReplyError('WRONGTYPE Operation against a key'),
      new Error("Cluster isn't ready and enableOfflineQueue options is false"),
      undefined,
    ]) {
      expect(isFailoverInProgress(error), String(error)).toBe(false);
    }
  });
});
