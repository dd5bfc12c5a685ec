import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InvalidationBus,
  type InvalidationBusOptions,
  type SubscriberClient,
} from './invalidation-bus.js';

/**
 * A pub/sub stand-in: what is published reaches every subscribed fake while `delivering`,
 * and is silently lost otherwise (a subscriber moved to another node, a hung server).
 */
function fakePubSub() {
  const subscribers = new Set<EventEmitter & { channels: Set<string> }>();
  const state = { delivering: true, publishFails: false };
  const publisher = {
    async publish(channel: string, message: string) {
      if (state.publishFails) throw new Error('Connection is closed.');
      if (state.delivering) {
        for (const subscriber of subscribers) {
          if (subscriber.channels.has(channel)) subscriber.emit('message', channel, message);
        }
      }
      return subscribers.size;
    },
  };
  const openSubscriber = () => {
    const subscriber = Object.assign(new EventEmitter(), {
      channels: new Set<string>(),
      async subscribe(channel: string) {
        subscriber.channels.add(channel);
        return 1;
      },
      async unsubscribe(channel: string) {
        subscriber.channels.delete(channel);
        return 0;
      },
      disconnect() {
        subscribers.delete(subscriber);
      },
      async quit() {
        subscribers.delete(subscriber);
        return 'OK';
      },
    });
    subscribers.add(subscriber);
    return subscriber;
  };
  return { state, publisher, openSubscriber, subscribers };
}

/** Heartbeat timings the fake-timer tests step through. */
const fastHeartbeat = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300 };

const buses: InvalidationBus[] = [];
function createBus(
  pubsub: ReturnType<typeof fakePubSub>,
  overrides: Partial<InvalidationBusOptions> = {},
) {
  const events = { lost: 0, restored: 0, invalidations: [] as unknown[] };
  const bus = new InvalidationBus({
    channel: 'chan',
    publisher: pubsub.publisher,
    // EventEmitter types its listeners with `any`, like ioredis.
    openSubscriber: () => pubsub.openSubscriber() as unknown as SubscriberClient,
    closeSubscriber: true,
    // The defaults of CacheOptions.invalidation; the fake-timer tests pass shorter ones.
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 3_000,
    onInvalidation: (invalidation) => events.invalidations.push(invalidation),
    onLost: () => events.lost++,
    onRestored: () => events.restored++,
    onError: () => undefined,
    ...overrides,
  });
  buses.push(bus);
  bus.start();
  return { bus, events };
}

afterEach(async () => {
  for (const bus of buses.splice(0)) await bus.close();
  vi.useRealTimers();
});

describe('InvalidationBus', () => {
  it('delivers invalidations to the other instances only', async () => {
    const pubsub = fakePubSub();
    const a = createBus(pubsub);
    const b = createBus(pubsub);
    await Promise.all([a.bus.ready(), b.bus.ready()]);
    expect(await a.bus.publish({ keys: ['k1', 'k2'] })).toBe(true);
    await b.bus.publish({ prefixes: ['users:'] });
    expect(b.events.invalidations).toEqual([{ keys: ['k1', 'k2'], prefixes: [] }]);
    expect(a.events.invalidations).toEqual([{ keys: [], prefixes: ['users:'] }]);
  });

  it('ignores malformed messages', async () => {
    const pubsub = fakePubSub();
    const a = createBus(pubsub);
    await a.bus.ready();
    await pubsub.publisher.publish('chan', 'not json');
    await pubsub.publisher.publish('chan', JSON.stringify({ o: 'x', k: [1, 'ok'] }));
    expect(a.events.invalidations).toEqual([{ keys: ['ok'], prefixes: [] }]);
  });

  it('detects a subscription that silently stopped delivering, and its return', async () => {
    vi.useFakeTimers();
    const pubsub = fakePubSub();
    const { bus, events } = createBus(pubsub, fastHeartbeat);
    await vi.advanceTimersByTimeAsync(0);
    expect(bus.active).toBe(true);
    const epoch = bus.epoch;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events.lost).toBe(0);
    pubsub.state.delivering = false;
    await vi.advanceTimersByTimeAsync(500);
    expect(events.lost).toBe(1);
    expect(bus.active).toBe(false);
    expect(bus.epoch).toBe(epoch + 1);
    pubsub.state.delivering = true;
    await vi.advanceTimersByTimeAsync(200);
    expect(bus.active).toBe(true);
    expect(events.restored).toBe(2);
    expect(bus.epoch).toBe(epoch + 2);
  });

  it('counts a failing publish of the heartbeat as a loss at once', async () => {
    vi.useFakeTimers();
    const pubsub = fakePubSub();
    const { bus, events } = createBus(pubsub, fastHeartbeat);
    await vi.advanceTimersByTimeAsync(0);
    pubsub.state.publishFails = true;
    await vi.advanceTimersByTimeAsync(100);
    expect(events.lost).toBe(1);
    expect(await bus.publish({ keys: ['k'] })).toBe(false);
  });

  it('reports a loss when the subscriber connection closes, and resubscribes on ready', async () => {
    const pubsub = fakePubSub();
    const { bus, events } = createBus(pubsub);
    await bus.ready();
    const [subscriber] = pubsub.subscribers;
    subscriber?.emit('close');
    expect(bus.active).toBe(false);
    expect(events.lost).toBe(1);
    subscriber?.emit('ready');
    await bus.ready();
    expect(bus.active).toBe(true);
  });

  it('close releases its timer and subscriber', async () => {
    vi.useFakeTimers();
    const pubsub = fakePubSub();
    const { bus } = createBus(pubsub);
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await bus.close();
    expect(vi.getTimerCount()).toBe(0);
    expect(pubsub.subscribers.size).toBe(0);
  });
});
