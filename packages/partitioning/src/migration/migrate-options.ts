import { OptionChecks } from '@redgrid/core';
import type { MigrateOptions } from './migration-types.js';

/** Throws one `ConfigError` naming every bad option of `migrate` (before anything moves). */
export function checkMigrateOptions(options: MigrateOptions): void {
  const checks = new OptionChecks()
    .integer('batchSize', options.batchSize, 1)
    .integer('concurrency', options.concurrency, 1)
    .durationMs('migrateTimeoutMs', options.migrateTimeoutMs, 0, { integer: true })
    .oneOf('transfer', options.transfer, ['auto', 'migrate', 'dump-restore'])
    .callback('onProgress', options.onProgress);
  const store: unknown = options.checkpointStore;
  if (
    store !== undefined &&
    (typeof store !== 'object' ||
      store === null ||
      !['load', 'save', 'clear'].every(
        (method) => typeof (store as Record<string, unknown>)[method] === 'function',
      ))
  ) {
    checks.problem(
      'checkpointStore',
      'must have load, save and clear methods (a CheckpointStore, e.g. fileCheckpointStore(path))',
    );
  }
  checks.throwIfAny();
}
