import { keySlot } from '@redgrid/core';

let slotTags: string[] | undefined;

// A short hash tag for every slot: `{tag}` in a key puts that key in the slot. Computed once,
// on first use (about 200k CRC16 of 1-4 characters, a few ms).
function tagForSlot(slot: number): string {
  if (slotTags === undefined) {
    const tags: string[] = new Array(16384);
    let found = 0;
    for (let candidate = 0; found < 16384; candidate++) {
      const tag = candidate.toString(36);
      const tagSlot = keySlot(tag);
      if (tags[tagSlot] === undefined) {
        tags[tagSlot] = tag;
        found++;
      }
    }
    slotTags = tags;
  }
  return slotTags[slot] ?? '';
}

/**
 * The key holding the write version (wall-clock ms of the last write) of `key` under the
 * last-write-wins recovery policy. It always hashes to the same cluster slot as `key`, so a
 * script can read and write both atomically, whatever `key` looks like.
 */
export function versionKey(key: string): string {
  return `rg:v:{${tagForSlot(keySlot(key))}}:${key}`;
}
