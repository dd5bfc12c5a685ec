// A shared scratch buffer for hashing strings as UTF-8 without allocating per call. Hashing is
// synchronous and never calls back into user code, so one module-level buffer is safe; it is
// overwritten by the next call, so callers consume it immediately.
let buffer = new Uint8Array(1024);
let view = new DataView(buffer.buffer);
const encoder = new TextEncoder();

/**
 * Encodes `text` as UTF-8 into the scratch buffer (see {@link scratchBytes}) and returns the
 * byte length. `spare` extra bytes are guaranteed after the encoding (room for hash padding).
 * Lone surrogates become U+FFFD, exactly as `Buffer.from(text)` and `TextEncoder` encode them,
 * and so as a Redis client sends the key.
 */
export function encodeUtf8(text: string, spare = 0): number {
  const length = text.length;
  const needed = length * 3 + spare;
  if (buffer.length < needed) {
    buffer = new Uint8Array(Math.max(needed, buffer.length * 2));
    view = new DataView(buffer.buffer);
  }
  const bytes = buffer;
  // ASCII fast path: one byte per UTF-16 unit.
  let index = 0;
  for (; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= 0x80) break;
    bytes[index] = code;
  }
  if (index === length) return length;
  const { written } = encoder.encodeInto(text.slice(index), bytes.subarray(index));
  return index + written;
}

/** The scratch buffer filled by the last {@link encodeUtf8} call. */
export function scratchBytes(): Uint8Array {
  return buffer;
}

/** A DataView over {@link scratchBytes}. */
export function scratchView(): DataView {
  return view;
}
