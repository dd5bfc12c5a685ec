import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ConfigError } from '@redgrid/core';
import type { CheckpointStore, MigrationCheckpoint } from './checkpoint-store.js';

type FileContent = Record<string, MigrationCheckpoint>;

/**
 * Keeps migration checkpoints in one JSON file (written to a temporary file and renamed, so a
 * crash mid-write never leaves a torn file). Use it when no foreign key may be written to the
 * nodes; resume on a machine that has the file. Writes are serialized within the process.
 */
export function fileCheckpointStore(path: string): CheckpointStore {
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError([
      {
        variable: 'path',
        message: `must be the path of the checkpoint file, e.g. '/var/lib/app/migration.json'; got ${typeof path === 'string' ? 'an empty string' : typeof path}`,
      },
    ]);
  }
  let queue: Promise<unknown> = Promise.resolve();
  const read = async (): Promise<FileContent> => {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as FileContent;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  };
  const update = (change: (content: FileContent) => void): Promise<void> => {
    const next = queue.then(async () => {
      const content = await read();
      change(content);
      await mkdir(dirname(path), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
      await rename(temporary, path);
    });
    queue = next.catch(() => undefined);
    return next;
  };
  const field = (planId: string, source: string) => `${planId}/${source}`;
  return {
    async load(planId, source) {
      await queue;
      return (await read())[field(planId, source)];
    },
    save(checkpoint) {
      return update((content) => {
        content[field(checkpoint.planId, checkpoint.source)] = checkpoint;
      });
    },
    clear(planId, source) {
      return update((content) => {
        delete content[field(planId, source)];
      });
    },
  };
}
