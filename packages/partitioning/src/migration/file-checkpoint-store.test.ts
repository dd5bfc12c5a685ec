import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@redgrid/core';
import { afterEach, describe, expect, it } from 'vitest';
import { fileCheckpointStore } from './file-checkpoint-store.js';

let directory: string | undefined;
afterEach(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('fileCheckpointStore', () => {
  it('saves, loads and clears checkpoints per plan and source', async () => {
    directory = await mkdtemp(join(tmpdir(), 'redgrid-checkpoints-'));
    const path = join(directory, 'nested', 'checkpoints.json');
    const store = fileCheckpointStore(path);
    expect(await store.load('plan', 'n1')).toBeUndefined();
    const checkpoint = {
      planId: 'plan',
      source: 'n1',
      cursor: '42',
      done: false,
      scannedKeys: 10,
      movedKeys: 3,
      startedAt: 1,
      updatedAt: 2,
    };
    await Promise.all([
      store.save(checkpoint),
      store.save({ ...checkpoint, source: 'n2', cursor: '7' }),
    ]);
    expect(await store.load('plan', 'n1')).toEqual(checkpoint);
    // A second store (another process) reads the same file.
    expect((await fileCheckpointStore(path).load('plan', 'n2'))?.cursor).toBe('7');
    await store.clear('plan', 'n1');
    expect(await store.load('plan', 'n1')).toBeUndefined();
    expect(JSON.parse(await readFile(path, 'utf8'))).toHaveProperty(['plan/n2']);
  });

  it('refuses a path that is not one, with a ConfigError naming it', () => {
    expect(() => fileCheckpointStore('')).toThrow(ConfigError);
    expect(() => fileCheckpointStore(undefined as unknown as string)).toThrow(
      /path: .*got undefined/,
    );
  });
});
