// CRC-16/XMODEM (polynomial 0x1021, initial value 0, no reflection), the variant Redis Cluster
// uses for key slots (check value: crc16("123456789") === 0x31c3).
const table = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  table[byte] = crc & 0xffff;
}

/** CRC-16/XMODEM of `bytes[start, end)`. */
export function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let index = start; index < end; index++) {
    crc = ((crc << 8) & 0xffff) ^ (table[((crc >>> 8) ^ (bytes[index] ?? 0)) & 0xff] ?? 0);
  }
  return crc;
}
