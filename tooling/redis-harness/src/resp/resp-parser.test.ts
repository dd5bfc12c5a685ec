import { describe, expect, it } from 'vitest';
import { encodeCommand, parseReply, RespErrorReply } from './resp-parser.js';

const parse = (text: string) => parseReply(Buffer.from(text));

describe('parseReply', () => {
  it('parses simple strings, errors, integers and bulk strings', () => {
    expect(parse('+PONG\r\n')).toEqual({ value: 'PONG', next: 7 });
    expect(parse('-WRONGPASS invalid\r\n')?.value).toEqual(new RespErrorReply('WRONGPASS invalid'));
    expect(parse(':42\r\n')?.value).toBe(42);
    expect(parse('$5\r\nhello\r\n')?.value).toBe('hello');
    expect(parse('$-1\r\n')?.value).toBeNull();
    expect(parse('*-1\r\n')?.value).toBeNull();
  });

  it('keeps CRLF inside bulk strings (CLUSTER NODES, INFO)', () => {
    expect(parse('$7\r\na\r\nb\r\nc\r\n')?.value).toBe('a\r\nb\r\nc');
  });

  it('parses nested arrays (CLUSTER SLOTS, SENTINEL REPLICAS)', () => {
    const text = '*2\r\n*3\r\n:0\r\n:5460\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nok\r\n';
    expect(parse(text)?.value).toEqual([[0, 5460, ['127.0.0.1', 7000]], 'ok']);
  });

  it('returns undefined until the reply is complete, at every split point', () => {
    const text = '*2\r\n$3\r\nfoo\r\n*1\r\n:7\r\n';
    for (let cut = 0; cut < text.length; cut++) {
      expect(parse(text.slice(0, cut))).toBeUndefined();
    }
    expect(parse(text)?.next).toBe(text.length);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const value = 'héllo';
    const text = `$${Buffer.byteLength(value)}\r\n${value}\r\n`;
    expect(parse(text)?.value).toBe(value);
  });

  it('parses consecutive replies from an offset', () => {
    const buffer = Buffer.from('+OK\r\n:1\r\n');
    const first = parseReply(buffer);
    expect(first?.value).toBe('OK');
    expect(parseReply(buffer, first?.next)?.value).toBe(1);
  });

  it('rejects a stream that is not RESP', () => {
    expect(() => parse('HTTP/1.1 400\r\n')).toThrow(/Unexpected RESP type/);
  });
});

describe('encodeCommand', () => {
  it('encodes arguments as bulk strings', () => {
    expect(encodeCommand(['SET', 'k', 1]).toString()).toBe(
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n1\r\n',
    );
  });
});
