import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, type ConfigIssue, Secret } from '@redgrid/core';
import { CacheDecodeError } from '../errors/cache-decode-error.js';

/**
 * An AES-256 key: 32 raw bytes, or their base64 / hex text (a `Secret` or a string). Prefer a
 * `Secret` (or a Buffer) so the key never shows up in a log of the options.
 */
export type EncryptionKeyInput = Buffer | Uint8Array | Secret | string;

/**
 * Encryption of stored values with AES-256-GCM. Each value records the id of the key that
 * encrypted it, so keys can be rotated: add the new key, make it `activeKeyId` on every
 * instance, keep the old one in `keys` until every value written with it has expired (or been
 * rewritten), then remove it. A value encrypted with an id not in `keys` reads as a miss
 * (reported as a `CacheDecodeError`).
 */
export interface EncryptionOptions {
  /** Every key that may have written a value still stored, by id (1-255 bytes of UTF-8). */
  keys: Readonly<Record<string, EncryptionKeyInput>>;
  /** The id of the key new values are encrypted with. */
  activeKeyId: string;
  /**
   * Refuse to read values stored without encryption (default true once encryption is on), so
   * that a value planted in Redis by someone without the key is never served.
   */
  requireEncryption?: boolean;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

function toKeyBytes(input: EncryptionKeyInput): Buffer | undefined {
  if (Buffer.isBuffer(input)) return input;
  if (input instanceof Uint8Array) return Buffer.from(input);
  const text = input instanceof Secret ? input.reveal() : input;
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** AES-256-GCM with key ids; the header bytes are authenticated as associated data. */
export class Encryption {
  readonly activeKeyId: string;
  readonly requireEncryption: boolean;
  readonly #activeKeyIdBytes: Buffer;
  readonly #activeKey: Buffer;
  readonly #keys: Map<string, Buffer>;

  constructor(options: EncryptionOptions) {
    const issues: ConfigIssue[] = [];
    this.#keys = new Map();
    for (const [id, input] of Object.entries(options.keys)) {
      const idBytes = Buffer.byteLength(id, 'utf8');
      if (idBytes === 0 || idBytes > 255) {
        issues.push({
          variable: `options.encryption.keys["${id}"]`,
          message: 'a key id must be 1 to 255 bytes of UTF-8',
        });
        continue;
      }
      const key = toKeyBytes(input);
      if (key === undefined || key.length !== 32) {
        issues.push({
          variable: `options.encryption.keys["${id}"]`,
          message:
            'must be 32 bytes (AES-256): a Buffer, or their base64 or hex text; generate one with crypto.randomBytes(32)',
        });
        continue;
      }
      this.#keys.set(id, key);
    }
    const activeKey = this.#keys.get(options.activeKeyId);
    if (!(options.activeKeyId in options.keys)) {
      issues.push({
        variable: 'options.encryption.activeKeyId',
        message: 'must be one of the ids in options.encryption.keys',
      });
    }
    if (issues.length > 0 || activeKey === undefined) throw new ConfigError(issues);
    this.#activeKey = activeKey;
    this.activeKeyId = options.activeKeyId;
    this.#activeKeyIdBytes = Buffer.from(options.activeKeyId, 'utf8');
    this.requireEncryption = options.requireEncryption ?? true;
  }

  /**
   * Encrypts `plaintext`. `header` is the unencrypted part of the stored value; it is
   * authenticated too, so flags and expiry times cannot be altered. Returns the bytes to append
   * after `header`: key id length, key id, IV, tag, ciphertext.
   */
  encrypt(header: Buffer, plaintext: Buffer): Buffer {
    const key = this.#activeKey;
    const iv = randomBytes(IV_BYTES);
    const idBytes = this.#activeKeyIdBytes;
    const prefix = Buffer.allocUnsafe(1 + idBytes.length);
    prefix[0] = idBytes.length;
    idBytes.copy(prefix, 1);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.concat([header, prefix]));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([prefix, iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Decrypts what {@link encrypt} appended after `header` (`body`). */
  decrypt(header: Buffer, body: Buffer): Buffer {
    const idLength = body[0];
    if (idLength === undefined || body.length < 1 + idLength + IV_BYTES + TAG_BYTES) {
      throw new CacheDecodeError({
        reason: 'corrupt',
        message: 'Encrypted cache value is truncated',
      });
    }
    const id = body.toString('utf8', 1, 1 + idLength);
    const key = this.#keys.get(id);
    if (key === undefined) {
      throw new CacheDecodeError({
        reason: 'unknown-key',
        message: `Cache value was encrypted with key id "${id}", which is not in options.encryption.keys; add it back while values written with it remain`,
      });
    }
    let offset = 1 + idLength;
    const iv = body.subarray(offset, offset + IV_BYTES);
    offset += IV_BYTES;
    const tag = body.subarray(offset, offset + TAG_BYTES);
    offset += TAG_BYTES;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.concat([header, body.subarray(0, 1 + idLength)]));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body.subarray(offset)), decipher.final()]);
    } catch (cause) {
      throw new CacheDecodeError(
        {
          reason: 'authentication-failed',
          message: `Cache value failed AES-GCM authentication with key id "${id}": it was altered, or another key was used under that id`,
        },
        { cause },
      );
    }
  }
}
