import { crc16 } from './crc16.js';
import { encodeUtf8, scratchBytes } from './utf8.js';

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }

/**
 * The Redis Cluster hash slot (0-16383) of a key, identical to `CLUSTER KEYSLOT`:
 * CRC16/XMODEM of the key's hash tag (see `hashTag`), modulo 16384. Strings are hashed as the
 * UTF-8 bytes a Redis client sends for them; pass a `Uint8Array` (or Buffer) for binary keys.
 * Use it to group keys per slot (or per node, with the cluster's slot map) before multi-key
 * operations, and to check that keys share a slot before a transaction.
 */
export function keySlot(key: string | Uint8Array): number {
  if (typeof key === 'string') {
    // Tag boundaries are ASCII, so they fall in the same place in the UTF-16 string and in its
    // UTF-8 bytes (UTF-8 never uses bytes < 0x80 inside a multi-byte character).
    const length = encodeUtf8(key);
    return slotOf(scratchBytes(), length);
  }
  return slotOf(key, key.length);
}

function slotOf(bytes: Uint8Array, length: number): number {
  let open = -1;
  for (let index = 0; index < length; index++) {
    if (bytes[index] === OPEN) {
      open = index;
      break;
    }
  }
  if (open !== -1) {
    for (let index = open + 1; index < length; index++) {
      if (bytes[index] === CLOSE) {
        if (index > open + 1) return crc16(bytes, open + 1, index) & 16383;
        break;
      }
    }
  }
  return crc16(bytes, 0, length) & 16383;
}
