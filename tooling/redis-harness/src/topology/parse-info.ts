import type { RespValue } from '../resp/resp-parser.js';

/** Parses `INFO` / `CLUSTER INFO` text (`key:value` lines, `#` section headers) into a record. */
export function parseInfo(text: RespValue): Record<string, string> {
  const result: Record<string, string> = {};
  if (typeof text !== 'string') return result;
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) result[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return result;
}

/** Turns a flat `[key, value, key, value, ...]` reply (SENTINEL MASTER) into a record. */
export function pairsToRecord(reply: RespValue): Record<string, string> {
  const result: Record<string, string> = {};
  if (!Array.isArray(reply)) return result;
  for (let index = 0; index + 1 < reply.length; index += 2) {
    result[String(reply[index])] = String(reply[index + 1]);
  }
  return result;
}
