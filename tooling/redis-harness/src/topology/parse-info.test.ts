import { describe, expect, it } from 'vitest';
import { pairsToRecord, parseInfo } from './parse-info.js';

describe('parseInfo', () => {
  it('reads key:value lines and skips section headers', () => {
    expect(
      parseInfo('# Replication\r\nrole:slave\r\nmaster_port:7000\r\n\r\n# Other\r\nx:a:b\r\n'),
    ).toEqual({
      role: 'slave',
      master_port: '7000',
      x: 'a:b',
    });
    expect(parseInfo(null)).toEqual({});
  });
});

describe('pairsToRecord', () => {
  it('turns a flat key/value array into a record', () => {
    expect(pairsToRecord(['name', 'mymaster', 'port', '6379'])).toEqual({
      name: 'mymaster',
      port: '6379',
    });
    expect(pairsToRecord('nope')).toEqual({});
  });
});
