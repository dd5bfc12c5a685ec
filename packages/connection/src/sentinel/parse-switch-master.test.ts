import { describe, expect, it } from 'vitest';
import { masterNameOfEvent, parseSwitchMaster } from './parse-switch-master.js';

describe('parseSwitchMaster', () => {
  it('reads the master name and the old and new addresses', () => {
    expect(parseSwitchMaster('mymaster 127.0.0.1 6380 127.0.0.1 6381')).toEqual({
      masterName: 'mymaster',
      from: { host: '127.0.0.1', port: 6380 },
      to: { host: '127.0.0.1', port: 6381 },
    });
  });

  it('rejects malformed payloads', () => {
    expect(parseSwitchMaster('mymaster 127.0.0.1 6380')).toBeUndefined();
    expect(parseSwitchMaster('mymaster a b c d')).toBeUndefined();
    expect(parseSwitchMaster('')).toBeUndefined();
  });
});

describe('masterNameOfEvent', () => {
  it('reads the master name of master events and of events about its replicas', () => {
    expect(masterNameOfEvent('master mymaster 127.0.0.1 6379')).toBe('mymaster');
    expect(masterNameOfEvent('master mymaster 127.0.0.1 6379 #quorum 2/2')).toBe('mymaster');
    expect(masterNameOfEvent('slave 127.0.0.1:6380 127.0.0.1 6380 @ cache 127.0.0.1 6379')).toBe(
      'cache',
    );
  });

  it('returns undefined for other payloads', () => {
    expect(masterNameOfEvent('mymaster 127.0.0.1 6380 127.0.0.1 6381')).toBeUndefined();
    expect(masterNameOfEvent('')).toBeUndefined();
  });
});
