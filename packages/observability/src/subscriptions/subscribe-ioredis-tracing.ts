import { CommandTimeoutError } from '@redgrid/core';
import type { MetricStore } from '../store/metric-store.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';

// ioredis 6.1 publishes every command it writes, every MULTI/EXEC and every connect through
// `diagnostics_channel.tracingChannel('ioredis:command' | 'ioredis:batch' | 'ioredis:connect')`.
// A TracingChannel is five plain channels, `tracing:ioredis:<name>:start|end|asyncStart|
// asyncEnd|error`, all published with the same context object: `start` when the command is
// written, `error` (context.error set) then `asyncStart` when its promise settles. Older ioredis
// versions publish nothing there, and subscribing costs nothing. The context never carries a
// value: arguments are sanitized by ioredis, and RedGrid reads only the command name and the
// server address from it.

/** The fields of ioredis' trace contexts RedGrid reads (ioredis' `CommandTraceContext` & co). */
interface TraceContext {
  readonly command?: unknown;
  readonly serverAddress?: unknown;
  readonly serverPort?: unknown;
  readonly error?: unknown;
}

/** How a traced operation ended, in the vocabulary of `redgrid_commands_total`. */
export function tracedOutcome(
  context: TraceContext,
): 'success' | 'reply-error' | 'failure' | 'timeout' {
  if (!('error' in context)) return 'success';
  const error = context.error;
  // RedGrid's deadline rejects the ioredis command itself, so the trace sees it as an error.
  if (CommandTimeoutError.isInstance(error)) return 'timeout';
  if ((error as { name?: unknown } | null)?.name === 'ReplyError') return 'reply-error';
  return 'failure';
}

/** `host:port` of the traced server (the socket path alone for a Unix socket). */
export function nodeOf(context: TraceContext): string {
  const address = String(context.serverAddress ?? 'unknown');
  return context.serverPort === undefined ? address : `${address}:${String(context.serverPort)}`;
}

/** Caches a derived string per input, up to a size (inputs seen past it are derived each time). */
function memoize<Input>(
  derive: (input: Input) => string,
  maxSize = 1024,
): (input: Input) => string {
  const cache = new Map<Input, string>();
  return (input) => {
    let derived = cache.get(input);
    if (derived === undefined) {
      derived = derive(input);
      if (cache.size < maxSize) cache.set(input, derived);
    }
    return derived;
  };
}

/**
 * Subscribes to ioredis' tracing channels and records the wire view per node: what was written
 * to which server, how long the reply took, and how connects and transactions went.
 */
export function subscribeIoredisTracing(
  subscriptions: ChannelSubscriptions,
  store: MetricStore,
  now: () => number = () => performance.now(),
): void {
  const traced = (
    name: 'command' | 'batch' | 'connect',
    record: (context: TraceContext, seconds: number) => void,
  ) => {
    // Start times by context: the context is ioredis' object, shared with other subscribers
    // (OpenTelemetry instrumentations), so nothing is written on it.
    const started = new WeakMap<object, number>();
    subscriptions.on(`tracing:ioredis:${name}:start`, (context: object) => {
      started.set(context, now());
    });
    subscriptions.on(`tracing:ioredis:${name}:asyncStart`, (context: TraceContext) => {
      const startedAt = started.get(context);
      if (startedAt === undefined) return; // started before RedGrid subscribed
      started.delete(context);
      record(context, Math.max(0, now() - startedAt) / 1000);
    });
  };

  // Per command: the node's `host:port` and the upper-case name, derived once per distinct input.
  const nodeByPort = new Map<unknown, (address: unknown) => string>();
  const node = (context: TraceContext) => {
    let byAddress = nodeByPort.get(context.serverPort);
    if (byAddress === undefined) {
      const port = context.serverPort;
      byAddress = memoize((address: unknown) =>
        nodeOf({ serverAddress: address, serverPort: port }),
      );
      nodeByPort.set(port, byAddress);
    }
    return byAddress(context.serverAddress);
  };
  // ioredis keeps the caller's casing (`call('GET')`, `get`); RedGrid's labels are upper case.
  const commandName = memoize((name: unknown) => String(name ?? 'unknown').toUpperCase());

  const nodeCommands = store.counter('nodeCommands');
  const nodeCommandDuration = store.histogram('nodeCommandDuration');
  traced('command', (context, seconds) => {
    const at = node(context);
    const command = commandName(context.command);
    nodeCommands.add([at, command, tracedOutcome(context)]);
    nodeCommandDuration.observe([at, command], seconds);
  });

  const nodeTransactions = store.counter('nodeTransactions');
  const nodeTransactionDuration = store.histogram('nodeTransactionDuration');
  traced('batch', (context, seconds) => {
    const at = node(context);
    nodeTransactions.add([at, tracedOutcome(context)]);
    nodeTransactionDuration.observe([at], seconds);
  });

  const nodeConnects = store.counter('nodeConnects');
  const nodeConnectDuration = store.histogram('nodeConnectDuration');
  traced('connect', (context, seconds) => {
    const at = node(context);
    nodeConnects.add([at, tracedOutcome(context)]);
    nodeConnectDuration.observe([at], seconds);
  });
}
