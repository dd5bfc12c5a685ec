import { describe, expect, it } from 'vitest';
import { blockingTimeoutMs } from './blocking-timeout-ms.js';

describe('blockingTimeoutMs', () => {
  it('is undefined for ordinary commands', () => {
    expect(blockingTimeoutMs('get', ['key'])).toBeUndefined();
    expect(blockingTimeoutMs('xread', ['STREAMS', 's', '0'])).toBeUndefined();
  });

  it('reads the timeout of list and sorted-set blocking commands, in seconds', () => {
    expect(blockingTimeoutMs('blpop', ['a', 'b', '2'])).toBe(2000);
    expect(blockingTimeoutMs('brpop', ['a', 0.5])).toBe(500);
    expect(blockingTimeoutMs('blmove', ['a', 'b', 'LEFT', 'RIGHT', '1'])).toBe(1000);
    expect(blockingTimeoutMs('blmpop', ['3', '1', 'a', 'LEFT'])).toBe(3000);
  });

  it('reads WAIT and XREAD BLOCK timeouts in milliseconds', () => {
    expect(blockingTimeoutMs('wait', ['1', '250'])).toBe(250);
    expect(blockingTimeoutMs('xread', ['COUNT', '1', 'BLOCK', '1500', 'STREAMS', 's', '$'])).toBe(
      1500,
    );
    expect(blockingTimeoutMs('xreadgroup', ['GROUP', 'g', 'c', 'block', Buffer.from('20')])).toBe(
      20,
    );
  });

  it('treats 0 and unreadable timeouts as blocking forever', () => {
    expect(blockingTimeoutMs('blpop', ['a', '0'])).toBe(Number.POSITIVE_INFINITY);
    expect(blockingTimeoutMs('xread', ['BLOCK', '0', 'STREAMS', 's', '$'])).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(blockingTimeoutMs('blpop', ['a', 'soon'])).toBe(Number.POSITIVE_INFINITY);
  });
});
