import type {
  AdminMessage,
  BreakerMessage,
  CacheMessage,
  CommandMessage,
  ConnectionStateMessage,
  DegradationMessage,
  FailoverMessage,
  MemoryMessage,
  MigrationMessage,
  RateLimitMessage,
  RedGridChannelName,
  RedGridChannels,
} from '@redgrid/core';
import { MalformedMessageError } from '../errors/malformed-message-error.js';
import type { MetricStore } from '../store/metric-store.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';
import { amount, text } from './message-fields.js';

/** `redgrid_breaker_state`: 0 closed, 1 half-open, 2 open (so `== 2` is open, `> 0` not closed). */
export const breakerStateValues: Readonly<Record<BreakerMessage['to'], number>> = Object.freeze({
  closed: 0,
  'half-open': 1,
  open: 2,
});

/** Whether a connection in `state` serves commands (`redgrid_connection_up`). */
export function isUp(state: string): boolean {
  return state === 'ready' || state === 'degraded';
}

/**
 * Subscribes to every `redgrid:*` channel of the contract in `@redgrid/core` and records each
 * message into the catalog's metrics. Handlers may throw on a malformed message: the
 * subscriptions catch and report it.
 */
export function subscribeRedGridChannels(
  subscriptions: ChannelSubscriptions,
  store: MetricStore,
): void {
  const on = <N extends RedGridChannelName>(
    channel: N,
    handler: (message: RedGridChannels[N]) => void,
  ) => subscriptions.on(channel, handler);

  const commands = store.counter('commands');
  const commandDuration = store.histogram('commandDuration');
  const commandErrors = store.counter('commandErrors');
  on('redgrid:command', (message: CommandMessage) => {
    const durationMs = amount('redgrid:command', 'durationMs', message.durationMs);
    commands.add([message.connection, message.command, message.outcome]);
    // A rejected command was never sent: its 0 ms would only drag the latency down.
    if (message.outcome !== 'rejected') {
      commandDuration.observe([message.connection, message.command], durationMs / 1000);
    }
    if (message.errorCode !== undefined) {
      commandErrors.add([message.connection, message.errorCode]);
    }
  });

  const connectionState = store.gauge('connectionState');
  const connectionUp = store.gauge('connectionUp');
  const connectionTransitions = store.counter('connectionTransitions');
  on('redgrid:connection:state', (message: ConnectionStateMessage) => {
    const to = text('redgrid:connection:state', 'to', message.to);
    connectionState.set([message.connection, message.from], 0);
    connectionState.set([message.connection, to], 1);
    connectionUp.set([message.connection], isUp(to) ? 1 : 0);
    connectionTransitions.add([message.connection, to]);
  });

  const breakerState = store.gauge('breakerState');
  const breakerTransitions = store.counter('breakerTransitions');
  on('redgrid:breaker', (message: BreakerMessage) => {
    const value = breakerStateValues[message.to] as number | undefined;
    if (value === undefined) {
      throw new MalformedMessageError({
        channel: 'redgrid:breaker',
        field: 'to',
        expected: 'closed, half-open or open',
      });
    }
    breakerState.set([message.name], value);
    breakerTransitions.add([message.name, message.to, message.reason]);
  });

  const failovers = store.counter('failovers');
  on('redgrid:failover', (message: FailoverMessage) => {
    failovers.add([message.connection, message.phase]);
  });

  const degraded = store.gauge('degraded');
  const outages = store.counter('outages');
  const outageDuration = store.histogram('outageDuration');
  on('redgrid:degradation', (message: DegradationMessage) => {
    const labels = [message.component, message.name];
    if (message.event === 'degraded') {
      degraded.set(labels, 1);
      outages.add(labels);
    } else {
      degraded.set(labels, 0);
      if (message.outageMs !== undefined) {
        const outageMs = amount('redgrid:degradation', 'outageMs', message.outageMs);
        outageDuration.observe(labels, outageMs / 1000);
      }
    }
  });

  const rateLimitChecks = store.counter('rateLimitChecks');
  on('redgrid:rate-limit', (message: RateLimitMessage) => {
    rateLimitChecks.add([
      message.limiter,
      message.algorithm,
      message.allowed ? 'true' : 'false',
      message.decidedBy,
    ]);
  });

  const cacheReads = store.counter('cacheReads');
  on('redgrid:cache', (message: CacheMessage) => {
    cacheReads.add([message.cache, message.result]);
  });

  const memoryUsed = store.gauge('memoryUsed');
  const memoryMax = store.gauge('memoryMax');
  const memoryRatio = store.gauge('memoryRatio');
  const memoryWarning = store.gauge('memoryWarning');
  const memoryFragmentation = store.gauge('memoryFragmentation');
  const evictedKeys = store.gauge('evictedKeys');
  on('redgrid:memory', (message: MemoryMessage) => {
    const channel = 'redgrid:memory';
    // Checked first, so that a malformed message changes no gauge.
    const figures = {
      used: amount(channel, 'usedBytes', message.usedBytes),
      max: amount(channel, 'maxBytes', message.maxBytes),
      ratio: amount(channel, 'ratio', message.ratio),
      fragmentation: amount(channel, 'fragmentationRatio', message.fragmentationRatio),
      evicted: amount(channel, 'evictedKeys', message.evictedKeys),
    };
    const labels = [message.connection, message.node];
    memoryUsed.set(labels, figures.used);
    memoryMax.set(labels, figures.max);
    memoryRatio.set(labels, figures.ratio);
    memoryFragmentation.set(labels, figures.fragmentation);
    evictedKeys.set(labels, figures.evicted);
    memoryWarning.set(labels, message.warning ? 1 : 0);
  });

  const migrationRunning = store.gauge('migrationRunning');
  const migrationDone = store.gauge('migrationDone');
  const migrationPlanned = store.gauge('migrationPlanned');
  const migrations = store.counter('migrations');
  on('redgrid:migration', (message: MigrationMessage) => {
    const channel = 'redgrid:migration';
    const done = amount(channel, 'done', message.done);
    const total = message.total === undefined ? undefined : amount(channel, 'total', message.total);
    const labels = [message.kind, message.unit];
    migrationDone.set(labels, done);
    if (total !== undefined) migrationPlanned.set(labels, total);
    if (message.phase === 'progress') return;
    migrationRunning.set([message.kind], message.phase === 'start' ? 1 : 0);
    migrations.add([message.kind, message.phase]);
  });

  const adminActs = store.counter('adminActs');
  on('redgrid:admin', (message: AdminMessage) => {
    adminActs.add([message.act, message.outcome]);
  });
}
