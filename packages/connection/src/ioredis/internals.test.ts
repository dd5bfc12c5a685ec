import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  type CommandLike,
  type InstanceLike,
  isClusterLike,
  isPipelineStream,
} from './internals.js';

// The guard relies on ioredis internals (see internals.ts). This checks that they are still
// there, with the same behaviour, in the oldest supported ioredis (5.4, the `ioredis5` dev
// dependency) and the current one.
const require = createRequire(import.meta.url);

interface IoredisModule {
  Redis: new (options: Record<string, unknown>) => InstanceLike & { pipeline(): PipelineLike };
  Cluster: new (
    nodes: Array<{ host: string; port: number }>,
    options: Record<string, unknown>,
  ) => InstanceLike;
  Command: new (name: string, args: unknown[]) => CommandLike;
}

interface PipelineLike {
  get(key: string): PipelineLike;
  exec(): Promise<unknown>;
}

const versions: Array<[string, IoredisModule]> = [
  ['ioredis 6', require('ioredis') as IoredisModule],
  ['ioredis 5.4', require('ioredis5') as IoredisModule],
];

describe.each(versions)('%s internals', (_name, ioredis) => {
  it('has sendCommand on the prototype, shadowed by an own property', () => {
    const redis = new ioredis.Redis({ lazyConnect: true });
    expect(redis.status).toBe('wait');
    expect(Object.hasOwn(redis, 'sendCommand')).toBe(false);
    expect(typeof redis.sendCommand).toBe('function');
    expect(redis.offlineQueue?.length).toBe(0);
    expect(redis.commandQueue?.length).toBe(0);
    expect(redis.options).toMatchObject({ lazyConnect: true });
    expect('reconnectTimeout' in redis).toBe(true);
    redis.disconnect();
  });

  it('settles commands through resolve/reject called as methods, keys from getKeys()', async () => {
    const command = new ioredis.Command('get', ['key']);
    expect(command.getKeys?.()).toEqual(['key']);
    const original = command.resolve;
    command.resolve = function (this: CommandLike, value: unknown) {
      expect(this).toBe(command);
      return original.call(this, value);
    };
    command.resolve(Buffer.from('value'));
    await expect(command.promise).resolves.toEqual(Buffer.from('value'));
    const failing = new ioredis.Command('get', ['key']);
    failing.promise.catch(() => {});
    const reject = failing.reject;
    failing.reject = function (this: CommandLike, error: Error) {
      return reject.call(this, error);
    };
    failing.reject(new Error('boom'));
    await expect(failing.promise).rejects.toThrow('boom');
  });

  it('hands every command of a pipeline to sendCommand with one shared pipeline stream', () => {
    const redis = new ioredis.Redis({ lazyConnect: true });
    const seen: Array<{ command: CommandLike; stream: unknown }> = [];
    redis.sendCommand = (command, stream) => {
      seen.push({ command, stream });
      return command.promise;
    };
    redis
      .pipeline()
      .get('a')
      .get('b')
      .exec()
      .catch(() => {});
    expect(seen.map(({ command }) => command.name)).toEqual(['get', 'get']);
    expect(isPipelineStream(seen[0]?.stream)).toBe(true);
    expect(seen[0]?.stream).toBe(seen[1]?.stream);
    redis.disconnect();
  });

  it('exposes what the cluster support reads', () => {
    const cluster = new ioredis.Cluster([{ host: '127.0.0.1', port: 1 }], {
      lazyConnect: true,
      redisOptions: { password: 'p' },
    });
    expect(isClusterLike(cluster)).toBe(true);
    if (!isClusterLike(cluster)) return;
    expect(Array.isArray(cluster.slots)).toBe(true);
    expect(typeof cluster.refreshSlotsCache).toBe('function');
    expect(cluster.nodes('all')).toEqual([]);
    // Credentials of nodes created later come from here (a copy in 6.x, the same object in 5.x).
    expect(cluster.connectionPool?.redisOptions).toMatchObject({ password: 'p' });
    cluster.disconnect();
  });
});
