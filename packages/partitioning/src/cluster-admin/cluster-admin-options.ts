import { OptionChecks } from '@redgrid/core';
import type { AdminSessionOptions } from './admin-session.js';
import type { FixClusterOptions } from './fix-cluster.js';
import type { PlanClusterRebalanceOptions } from './plan-cluster-rebalance.js';
import type { RebalanceClusterOptions } from './rebalance-cluster.js';

function sessionChecks(options: AdminSessionOptions): OptionChecks {
  return new OptionChecks().durationMs('commandTimeoutMs', options.commandTimeoutMs, 1);
}

function planChecks(checks: OptionChecks, options: PlanClusterRebalanceOptions): OptionChecks {
  checks
    .oneOf('by', options.by, ['slots', 'memory'])
    .number('thresholdPercent', options.thresholdPercent, 0);
  const weights: unknown = options.weights;
  if (weights !== undefined) {
    if (typeof weights !== 'object' || weights === null) {
      checks.problem('weights', 'must be an object of master (id or host:port) -> weight');
    } else {
      for (const [name, weight] of Object.entries(weights)) {
        checks.number(`weights[${JSON.stringify(name)}]`, weight, 0);
      }
    }
  }
  const remove: unknown = options.remove;
  if (
    remove !== undefined &&
    !(Array.isArray(remove) && remove.every((name) => typeof name === 'string'))
  ) {
    checks.problem('remove', "must be a list of masters (ids or 'host:port')");
  }
  return checks;
}

/** Throws one `ConfigError` naming every bad option of `inspectCluster`. */
export function checkSessionOptions(options: AdminSessionOptions): void {
  sessionChecks(options).throwIfAny();
}

/** Throws one `ConfigError` naming every bad option of `planClusterRebalance`. */
export function checkPlanClusterRebalanceOptions(options: PlanClusterRebalanceOptions): void {
  planChecks(new OptionChecks(), options).throwIfAny();
}

/** Throws one `ConfigError` naming every bad option of `rebalanceCluster` (before any I/O). */
export function checkRebalanceClusterOptions(options: RebalanceClusterOptions): void {
  planChecks(sessionChecks(options), options)
    .integer('slotsPerBatch', options.slotsPerBatch, 1)
    .integer('concurrency', options.concurrency, 1)
    .integer('keysPerMigrate', options.keysPerMigrate, 1)
    .integer('keysPerFetch', options.keysPerFetch, 1)
    .durationMs('migrateTimeoutMs', options.migrateTimeoutMs, 0, { integer: true })
    .integer('sampleKeysPerMaster', options.sampleKeysPerMaster, 1)
    .callback('onProgress', options.onProgress)
    .throwIfAny();
}

/** Throws one `ConfigError` naming every bad option of `fixCluster` (before any I/O). */
export function checkFixClusterOptions(options: FixClusterOptions): void {
  sessionChecks(options)
    .integer('keysPerMigrate', options.keysPerMigrate, 1)
    .durationMs('migrateTimeoutMs', options.migrateTimeoutMs, 0, { integer: true })
    .throwIfAny();
}
