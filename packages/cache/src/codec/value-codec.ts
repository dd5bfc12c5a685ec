import { ConfigError } from '@redgrid/core';
import { CacheDecodeError } from '../errors/cache-decode-error.js';
import {
  COMPRESSION_IDS,
  type CompressionAlgorithm,
  type CompressionOptions,
  compress,
  decompress,
} from './compression.js';
import { Encryption, type EncryptionOptions } from './encryption.js';
import { type CacheSerializer, jsonSerializer, richJsonSerializer } from './serializer.js';

/*
 * Stored value layout (every field big-endian):
 *   0      magic 0xC7
 *   1      format version (1)
 *   2      serializer id
 *   3      compression id (0 none, 1 gzip, 2 deflate, 3 brotli)
 *   4      encryption id (0 none, 1 AES-256-GCM)
 *   5..12  freshUntilMs  float64, wall clock ms (0: no expiry)
 *   13..20 staleUntilMs  float64, wall clock ms, end of grace (0: no expiry)
 *   21..   body: the payload, or for AES-GCM: key id length, key id, IV, tag, ciphertext
 * The header (bytes 0-20) is authenticated when the value is encrypted.
 */
const MAGIC = 0xc7;
const VERSION = 1;
const HEADER_BYTES = 21;
const ENCRYPTION_AES_GCM = 1;

/** A decoded stored value with its freshness window. */
export interface DecodedValue {
  value: unknown;
  /** Wall-clock ms after which the value is stale (0: never). */
  freshUntilMs: number;
  /** Wall-clock ms after which the value must not be served at all (0: never). */
  staleUntilMs: number;
  /** Size of the stored form in bytes; the L1 charges entries by it. */
  storedBytes: number;
}

/** Options of a {@link ValueCodec}. */
export interface ValueCodecOptions {
  serializer?: CacheSerializer;
  /** Extra serializers able to read values written by other instances (by header id). */
  serializers?: readonly CacheSerializer[];
  compression?: CompressionOptions | false;
  encryption?: EncryptionOptions;
}

/**
 * Encodes cache values into self-describing bytes and back: a 21-byte header records which
 * serializer, compression and encryption wrote the value and its freshness window, so values
 * written with different settings (or before a setting changed) coexist and each is read
 * correctly.
 */
export class ValueCodec {
  readonly #serializer: CacheSerializer;
  readonly #serializers: Map<number, CacheSerializer>;
  readonly #compression: CompressionAlgorithm | undefined;
  readonly #thresholdBytes: number;
  readonly #level: number | undefined;
  readonly #encryption: Encryption | undefined;

  constructor(options: ValueCodecOptions = {}) {
    this.#serializer = options.serializer ?? jsonSerializer;
    this.#serializers = new Map();
    const all = [jsonSerializer, richJsonSerializer, ...(options.serializers ?? [])];
    all.push(this.#serializer);
    for (const serializer of all) {
      const builtIn = serializer === jsonSerializer || serializer === richJsonSerializer;
      if (
        !builtIn &&
        (!Number.isInteger(serializer.id) || serializer.id < 16 || serializer.id > 255)
      ) {
        throw new ConfigError([
          {
            variable: 'options.serializer.id',
            message: `serializer "${serializer.name}" has id ${serializer.id}; custom serializers need a fixed integer id from 16 to 255`,
          },
        ]);
      }
      this.#serializers.set(serializer.id, serializer);
    }
    const compression = options.compression === false ? undefined : options.compression;
    this.#compression = compression ? (compression.algorithm ?? 'gzip') : undefined;
    this.#thresholdBytes = compression?.thresholdBytes ?? 1024;
    this.#level = compression?.level;
    this.#encryption = options.encryption ? new Encryption(options.encryption) : undefined;
  }

  /** Encodes `value` with its freshness window. Throws what the serializer throws. */
  async encode(value: unknown, freshUntilMs: number, staleUntilMs: number): Promise<Buffer> {
    const serialized = this.#serializer.serialize(value);
    let payload = typeof serialized === 'string' ? Buffer.from(serialized, 'utf8') : serialized;
    let compressionId = 0;
    if (this.#compression !== undefined && payload.length >= this.#thresholdBytes) {
      const compressed = await compress(this.#compression, payload, this.#level);
      if (compressed.length < payload.length) {
        payload = compressed;
        compressionId = COMPRESSION_IDS[this.#compression];
      }
    }
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header[0] = MAGIC;
    header[1] = VERSION;
    header[2] = this.#serializer.id;
    header[3] = compressionId;
    header[4] = this.#encryption ? ENCRYPTION_AES_GCM : 0;
    header.writeDoubleBE(freshUntilMs, 5);
    header.writeDoubleBE(staleUntilMs, 13);
    const body = this.#encryption ? this.#encryption.encrypt(header, payload) : payload;
    return Buffer.concat([header, body], HEADER_BYTES + body.length);
  }

  /** Decodes a stored value; rejects with {@link CacheDecodeError} when it cannot. */
  async decode(data: Buffer): Promise<DecodedValue> {
    return this.decodeFast(data);
  }

  /**
   * {@link decode} without a promise when none is needed (everything but large compressed
   * values): the L2 read path calls it once per read. Throws synchronously or rejects with
   * {@link CacheDecodeError}.
   */
  decodeFast(data: Buffer): DecodedValue | Promise<DecodedValue> {
    if (data.length < HEADER_BYTES || data[0] !== MAGIC) {
      throw new CacheDecodeError({
        reason: 'not-a-cache-value',
        message: 'Stored value was not written by a RedGrid cache (no RedGrid header)',
      });
    }
    if (data[1] !== VERSION) {
      throw new CacheDecodeError({
        reason: 'unsupported-version',
        message: `Stored value has format version ${data[1]}; this version of @redgrid/cache reads version ${VERSION}`,
      });
    }
    const serializer = this.#serializers.get(data[2] ?? 0);
    if (serializer === undefined) {
      throw new CacheDecodeError({
        reason: 'unknown-serializer',
        message: `Stored value was written by serializer id ${data[2]}, which this cache does not know; pass it in options.serializers`,
      });
    }
    const encryptionId = data[4];
    const compressionId = data[3] ?? 0;
    if (encryptionId === 0 && compressionId === 0 && serializer === jsonSerializer) {
      if (this.#encryption?.requireEncryption) throw encryptionRequired();
      // The common case, without a Buffer view: parse the JSON right after the header.
      let value: unknown;
      try {
        value = JSON.parse(data.toString('utf8', HEADER_BYTES));
      } catch (cause) {
        throw new CacheDecodeError(
          { reason: 'corrupt', message: 'Stored value failed to deserialize (json)' },
          { cause },
        );
      }
      return {
        value,
        freshUntilMs: data.readDoubleBE(5),
        staleUntilMs: data.readDoubleBE(13),
        storedBytes: data.length,
      };
    }
    let body = data.subarray(HEADER_BYTES);
    if (encryptionId === ENCRYPTION_AES_GCM) {
      if (!this.#encryption) {
        throw new CacheDecodeError({
          reason: 'unknown-key',
          message: 'Stored value is encrypted, and this cache has no encryption keys configured',
        });
      }
      body = this.#encryption.decrypt(data.subarray(0, HEADER_BYTES), body);
    } else if (encryptionId !== 0) {
      throw new CacheDecodeError({
        reason: 'unknown-encryption',
        message: `Stored value uses encryption id ${encryptionId}, unknown to this version`,
      });
    } else if (this.#encryption?.requireEncryption) {
      throw encryptionRequired();
    }
    if (compressionId === 0) return this.#finish(serializer, body, data);
    let decompressed: Buffer | Promise<Buffer> | undefined;
    try {
      decompressed = decompress(compressionId, body);
    } catch (cause) {
      throw corrupt(cause);
    }
    if (decompressed === undefined) {
      throw new CacheDecodeError({
        reason: 'unknown-compression',
        message: `Stored value uses compression id ${compressionId}, unknown to this version`,
      });
    }
    if (Buffer.isBuffer(decompressed)) return this.#finish(serializer, decompressed, data);
    return decompressed.then(
      (plain) => this.#finish(serializer, plain, data),
      (cause: unknown) => {
        throw corrupt(cause);
      },
    );
  }

  #finish(serializer: CacheSerializer, body: Buffer, data: Buffer): DecodedValue {
    let value: unknown;
    try {
      value = serializer.deserialize(body);
    } catch (cause) {
      throw new CacheDecodeError(
        {
          reason: 'corrupt',
          message: `Stored value failed to deserialize (${serializer.name})`,
        },
        { cause },
      );
    }
    return {
      value,
      freshUntilMs: data.readDoubleBE(5),
      staleUntilMs: data.readDoubleBE(13),
      storedBytes: data.length,
    };
  }
}

function encryptionRequired(): CacheDecodeError {
  return new CacheDecodeError({
    reason: 'encryption-required',
    message:
      'Stored value is not encrypted, and this cache requires encryption (encryption.requireEncryption)',
  });
}

function corrupt(cause: unknown): CacheDecodeError {
  return new CacheDecodeError(
    { reason: 'corrupt', message: 'Stored value failed to decompress' },
    { cause },
  );
}
