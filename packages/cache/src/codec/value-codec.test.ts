import { randomBytes } from 'node:crypto';
import { ConfigError, Secret } from '@redgrid/core';
import { describe, expect, it } from 'vitest';
import { CacheDecodeError } from '../errors/cache-decode-error.js';
import { SerializationError } from '../errors/serialization-error.js';
import { type CacheSerializer, jsonSerializer, richJsonSerializer } from './serializer.js';
import { ValueCodec } from './value-codec.js';

const keyA = randomBytes(32);
const keyB = randomBytes(32);

async function roundTrip(codec: ValueCodec, value: unknown) {
  return (await codec.decode(await codec.encode(value, 1_000, 2_000))).value;
}

describe('jsonSerializer', () => {
  it('round-trips JSON values', async () => {
    const codec = new ValueCodec();
    const value = {
      a: 1,
      b: 'two',
      c: [true, null, { d: 1.5 }],
      e: '2024-01-01',
    };
    expect(await roundTrip(codec, value)).toEqual(value);
    expect(await roundTrip(codec, null)).toBeNull();
    expect(await roundTrip(codec, 'plain')).toBe('plain');
  });

  it.each([
    ['Date', { when: new Date(0) }, 'when'],
    ['BigInt', { n: 10n }, 'n'],
    ['Map', { m: new Map([[1, 2]]) }, 'm'],
    ['Set', { list: [new Set([1])] }, '0'],
    ['Date', new Date(0), ''],
    ['undefined', undefined, ''],
  ])('refuses a %s with a SerializationError naming it', (valueType, value, property) => {
    let caught: unknown;
    try {
      jsonSerializer.serialize(value);
    } catch (error) {
      caught = error;
    }
    expect(SerializationError.isInstance(caught)).toBe(true);
    expect(caught).toMatchObject({
      code: 'ERR_CACHE_SERIALIZATION',
      valueType,
      property,
    });
    expect(String((caught as Error).message)).toContain('richJsonSerializer');
  });
});

describe('richJsonSerializer', () => {
  it('round-trips Date, BigInt, Map and Set, nested', async () => {
    const codec = new ValueCodec({ serializer: richJsonSerializer });
    const value = {
      at: new Date('2024-05-06T07:08:09.010Z'),
      big: 2n ** 80n,
      map: new Map<unknown, unknown>([
        ['k', new Set([1, 2])],
        [3, { nested: new Date(5) }],
      ]),
      list: [new Set(['a']), -5n],
      invalid: new Date(Number.NaN),
    };
    const back = (await roundTrip(codec, value)) as typeof value;
    expect(back).toEqual(value);
    expect(back.at).toBeInstanceOf(Date);
    expect(back.map.get('k')).toBeInstanceOf(Set);
    expect(Number.isNaN(back.invalid.getTime())).toBe(true);
  });

  it('escapes objects that have their own $rg property', async () => {
    const codec = new ValueCodec({ serializer: richJsonSerializer });
    const value = { $rg: 'Date', v: 0, inner: { $rg: 'Map', v: [] } };
    expect(await roundTrip(codec, value)).toEqual(value);
  });
});

describe('ValueCodec', () => {
  it('keeps the freshness window in the header', async () => {
    const codec = new ValueCodec();
    const decoded = await codec.decode(await codec.encode('x', 123.5, 456));
    expect(decoded).toMatchObject({
      value: 'x',
      freshUntilMs: 123.5,
      staleUntilMs: 456,
    });
    expect(decoded.storedBytes).toBeGreaterThan(21);
  });

  it.each(['gzip', 'deflate', 'brotli'] as const)(
    'compresses with %s above the threshold only; plain and compressed values coexist',
    async (algorithm) => {
      const compressing = new ValueCodec({
        compression: { algorithm, thresholdBytes: 100 },
      });
      const plain = new ValueCodec();
      const big = { text: 'redgrid '.repeat(500) };
      const small = { text: 'tiny' };
      const bigEncoded = await compressing.encode(big, 0, 0);
      const smallEncoded = await compressing.encode(small, 0, 0);
      expect(bigEncoded[3]).not.toBe(0);
      expect(bigEncoded.length).toBeLessThan(JSON.stringify(big).length / 4);
      expect(smallEncoded[3]).toBe(0);
      // a reader without compression configured reads both; a compressing reader reads plain ones
      expect((await plain.decode(bigEncoded)).value).toEqual(big);
      expect((await plain.decode(smallEncoded)).value).toEqual(small);
      expect((await compressing.decode(await plain.encode(big, 0, 0))).value).toEqual(big);
    },
  );

  it('compresses large values off the event loop and reads them back', async () => {
    const codec = new ValueCodec({ compression: { algorithm: 'gzip' } });
    const value = { blob: 'abc'.repeat(200_000) };
    // Off the event loop: while zlib works on the thread pool, the loop keeps turning (a
    // setImmediate scheduled now runs before the encoding ends). A synchronous compression
    // would resolve `encode` first, in microtasks.
    let loopTurned = false;
    setImmediate(() => {
      loopTurned = true;
    });
    const encoded = await codec.encode(value, 0, 0);
    expect(loopTurned).toBe(true);
    expect(encoded.length).toBeLessThan(50_000);
    expect((await codec.decode(encoded)).value).toEqual(value);
  });

  it('encrypts with AES-256-GCM so the stored bytes do not contain the value', async () => {
    const codec = new ValueCodec({
      encryption: { keys: { a: keyA }, activeKeyId: 'a' },
    });
    const encoded = await codec.encode({ secret: 'credit card 4111' }, 0, 0);
    expect(encoded.toString('latin1')).not.toContain('credit card');
    expect(encoded[4]).toBe(1);
    expect((await codec.decode(encoded)).value).toEqual({
      secret: 'credit card 4111',
    });
  });

  it('compresses before encrypting', async () => {
    const codec = new ValueCodec({
      compression: { thresholdBytes: 10 },
      encryption: { keys: { a: keyA }, activeKeyId: 'a' },
    });
    const value = 'x'.repeat(10_000);
    const encoded = await codec.encode(value, 0, 0);
    expect(encoded.length).toBeLessThan(500);
    expect((await codec.decode(encoded)).value).toBe(value);
  });

  it('rotates keys: old values stay readable while their key id is kept', async () => {
    const before = new ValueCodec({
      encryption: { keys: { a: keyA }, activeKeyId: 'a' },
    });
    const after = new ValueCodec({
      encryption: {
        keys: { a: keyA, b: new Secret(keyB.toString('base64')) },
        activeKeyId: 'b',
      },
    });
    const afterWithoutA = new ValueCodec({
      encryption: { keys: { b: keyB.toString('hex') }, activeKeyId: 'b' },
    });
    const old = await before.encode('old', 0, 0);
    const fresh = await after.encode('new', 0, 0);
    expect((await after.decode(old)).value).toBe('old');
    expect((await afterWithoutA.decode(fresh)).value).toBe('new');
    await expect(afterWithoutA.decode(old)).rejects.toMatchObject({
      code: 'ERR_CACHE_DECODE',
      reason: 'unknown-key',
    });
  });

  it('detects tampering with the payload or the authenticated header', async () => {
    const codec = new ValueCodec({
      encryption: { keys: { a: keyA }, activeKeyId: 'a' },
    });
    const encoded = await codec.encode('value', 1_000, 2_000);
    const payloadFlipped = Buffer.from(encoded);
    payloadFlipped[payloadFlipped.length - 1] = (payloadFlipped.at(-1) ?? 0) ^ 1;
    await expect(codec.decode(payloadFlipped)).rejects.toMatchObject({
      reason: 'authentication-failed',
    });
    const expiryChanged = Buffer.from(encoded);
    expiryChanged.writeDoubleBE(9_999_999, 5);
    await expect(codec.decode(expiryChanged)).rejects.toMatchObject({
      reason: 'authentication-failed',
    });
  });

  it('refuses plain values when encryption is required, and reads them when not', async () => {
    const plain = await new ValueCodec().encode('planted', 0, 0);
    const strict = new ValueCodec({
      encryption: { keys: { a: keyA }, activeKeyId: 'a' },
    });
    const lenient = new ValueCodec({
      encryption: {
        keys: { a: keyA },
        activeKeyId: 'a',
        requireEncryption: false,
      },
    });
    await expect(strict.decode(plain)).rejects.toMatchObject({
      reason: 'encryption-required',
    });
    expect((await lenient.decode(plain)).value).toBe('planted');
    await expect(new ValueCodec().decode(await strict.encode('x', 0, 0))).rejects.toBeInstanceOf(
      CacheDecodeError,
    );
  });

  it('validates encryption keys with one ConfigError listing every problem, without the key', () => {
    let caught: unknown;
    try {
      new ValueCodec({
        encryption: {
          keys: { short: 'c2hvcnQ=', '': keyA },
          activeKeyId: 'missing',
        },
      });
    } catch (error) {
      caught = error;
    }
    expect(ConfigError.isInstance(caught)).toBe(true);
    const issues = (caught as ConfigError).issues.map((issue) => issue.variable);
    expect(issues).toEqual([
      'options.encryption.keys["short"]',
      'options.encryption.keys[""]',
      'options.encryption.activeKeyId',
    ]);
    expect((caught as Error).message).not.toContain('c2hvcnQ=');
  });

  it('reads values of registered custom serializers by header id', async () => {
    const upper: CacheSerializer = {
      id: 42,
      name: 'upper',
      serialize: (value) => String(value).toUpperCase(),
      deserialize: (data) => data.toString('utf8').toLowerCase(),
    };
    const writer = new ValueCodec({ serializer: upper });
    const reader = new ValueCodec({ serializers: [upper] });
    const encoded = await writer.encode('Hello', 0, 0);
    expect((await reader.decode(encoded)).value).toBe('hello');
    await expect(new ValueCodec().decode(encoded)).rejects.toMatchObject({
      reason: 'unknown-serializer',
    });
    expect(() => new ValueCodec({ serializer: { ...upper, id: 3 } })).toThrow(/16 to 255/);
  });

  it('rejects foreign and corrupt values with a reason', async () => {
    const codec = new ValueCodec();
    await expect(codec.decode(Buffer.from('plain string'))).rejects.toMatchObject({
      reason: 'not-a-cache-value',
    });
    const encoded = await codec.encode({ a: 1 }, 0, 0);
    const versioned = Buffer.from(encoded);
    versioned[1] = 9;
    await expect(codec.decode(versioned)).rejects.toMatchObject({
      reason: 'unsupported-version',
    });
    await expect(codec.decode(encoded.subarray(0, encoded.length - 2))).rejects.toMatchObject({
      reason: 'corrupt',
    });
    const badCompression = Buffer.from(encoded);
    badCompression[3] = 77;
    await expect(codec.decode(badCompression)).rejects.toMatchObject({
      reason: 'unknown-compression',
    });
  });
});
