import { OptionChecks } from '@redgrid/core';
import type { AnalyzeOptions } from './analyze-cluster.js';

/** Throws one `ConfigError` naming every bad option of `analyzeCluster` / `analyzePartitions`. */
export function checkAnalyzeOptions(options: AnalyzeOptions): void {
  new OptionChecks()
    .integer('sampleKeys', options.sampleKeys, 0)
    .integer('top', options.top, 0)
    .number('thresholdPercent', options.thresholdPercent, 0)
    .text('match', options.match)
    .durationMs('commandTimeoutMs', options.commandTimeoutMs, 1)
    .throwIfAny();
}
