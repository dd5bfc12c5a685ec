// Test support (not published): an ioredis-shaped instance that records what reaches its
// `sendCommand` (the socket side), for unit tests of the guard and the write fence.
import { EventEmitter } from 'node:events';
import type { CommandLike, InstanceLike } from '../ioredis/internals.js';

export class FakeInstance extends EventEmitter implements InstanceLike {
  status = 'ready';
  options = {};
  readonly written: CommandLike[] = [];

  sendCommand(command: CommandLike, _stream?: unknown): unknown {
    this.written.push(command);
    return command.promise;
  }

  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override removeListener(event: string, listener: (...args: never[]) => void): this {
    return super.removeListener(event, listener as (...args: unknown[]) => void);
  }

  disconnect(): void {}

  /** The commands written so far with this name. */
  writtenNamed(name: string): CommandLike[] {
    return this.written.filter((command) => command.name === name);
  }
}
