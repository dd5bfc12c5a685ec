import { describe, expect, it } from 'vitest';
import { parseSwitchMaster } from './parse-switch-master.js';

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
