/** An error reply (`-ERR ...`) from Redis, kept as a value so pipelines can carry it. */
export class RespErrorReply {
  constructor(readonly message: string) {}
}

/** A decoded RESP2 reply. Bulk strings are decoded as UTF-8 (the harness sends no binary). */
export type RespValue = string | number | null | RespErrorReply | RespValue[];

/** One parsed reply and the offset just after it. */
export interface ParsedReply {
  value: RespValue;
  next: number;
}

const CRLF = '\r\n';

/**
 * Parses one RESP2 reply starting at `offset`. Returns `undefined` when the buffer does not yet
 * hold the complete reply (call again with more data), so the caller can feed TCP chunks as they
 * arrive. Throws on a byte that cannot start a reply: the stream is then unusable.
 */
export function parseReply(buffer: Buffer, offset = 0): ParsedReply | undefined {
  if (offset >= buffer.length) return undefined;
  const lineEnd = buffer.indexOf(CRLF, offset, 'latin1');
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RespErrorReply(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, next: afterLine };
      const end = afterLine + length;
      if (buffer.length < end + 2) return undefined;
      return { value: buffer.toString('utf8', afterLine, end), next: end + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let cursor = afterLine;
      for (let index = 0; index < count; index++) {
        const item = parseReply(buffer, cursor);
        if (item === undefined) return undefined;
        items.push(item.value);
        cursor = item.next;
      }
      return { value: items, next: cursor };
    }
    default:
      throw new Error(`Unexpected RESP type byte ${JSON.stringify(type)} at offset ${offset}`);
  }
}

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`)];
  for (const arg of args) {
    const bytes = Buffer.from(String(arg), 'utf8');
    parts.push(Buffer.from(`$${bytes.length}${CRLF}`), bytes, Buffer.from(CRLF));
  }
  return Buffer.concat(parts);
}
