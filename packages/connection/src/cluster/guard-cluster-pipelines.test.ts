import { CrossSlotError, keySlot } from '@redgrid/core';
import { Command } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { CommandLike } from '../ioredis/internals.js';
import { findCrossSlot } from './guard-cluster-pipelines.js';

function command(name: string, ...args: string[]): CommandLike {
  return new Command(name, args) as unknown as CommandLike;
}

// Slots 0..8191 on node a, the rest on node b.
const masterOf = (slot: number) => (slot < 8192 ? 'a:1' : 'b:1');

describe('findCrossSlot', () => {
  it('accepts keys sharing a hash tag, in a transaction or a pipeline', () => {
    const commands = [command('set', '{user:1}:a', '1'), command('get', '{user:1}:b')];
    expect(findCrossSlot(commands, true, masterOf)).toBeUndefined();
    expect(findCrossSlot(commands, false, masterOf)).toBeUndefined();
  });

  it('rejects one command whose own keys span slots, naming them', () => {
    const error = findCrossSlot([command('mget', 'user:1', 'user:2')], false, masterOf);
    expect(CrossSlotError.isInstance(error)).toBe(true);
    expect(error?.keys).toEqual(['user:1', 'user:2']);
  });

  it('rejects a transaction spanning slots, even on one node', () => {
    const [first, second] = ['a', 'b'].map((key) => `k:${key}`);
    expect(keySlot(first ?? '')).not.toBe(keySlot(second ?? ''));
    const commands = [command('set', first ?? '', '1'), command('set', second ?? '', '1')];
    const sameNode = () => 'a:1';
    expect(findCrossSlot(commands, true, sameNode)?.keys).toEqual([first, second]);
    // A plain pipeline may span slots of one node (ioredis writes it to that node).
    expect(findCrossSlot(commands, false, sameNode)).toBeUndefined();
  });

  it('rejects a pipeline spanning nodes, and skips the node check before the slot map is known', () => {
    const low = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'].find((key) => keySlot(key) < 8192) ?? '';
    const high = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'].find((key) => keySlot(key) >= 8192) ?? '';
    const commands = [command('get', low), command('get', high)];
    expect(findCrossSlot(commands, false, masterOf)?.message).toMatch(/different cluster nodes/);
    expect(findCrossSlot(commands, false, () => undefined)).toBeUndefined();
  });
});
