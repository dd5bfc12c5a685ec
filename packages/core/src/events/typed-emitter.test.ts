import { describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from './typed-emitter.js';

interface Events {
  tick: (count: number) => void;
  done: () => void;
}

describe('TypedEmitter', () => {
  it('calls listeners in order with the arguments, and unsubscribes idempotently', () => {
    const emitter = new TypedEmitter<Events>({ name: 'test' });
    const seen: string[] = [];
    const off = emitter.on('tick', (count) => seen.push(`a${count}`));
    emitter.on('tick', (count) => seen.push(`b${count}`));
    emitter.emit('tick', 1);
    off();
    off();
    emitter.emit('tick', 2);
    emitter.emit('done');
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(emitter.listenerCount('tick')).toBe(1);
    expect(emitter.has('done')).toBe(false);
  });

  it('never lets a throwing listener reach the emitter or skip the other listeners', () => {
    const reported: Array<[unknown, keyof Events]> = [];
    const emitter = new TypedEmitter<Events>({
      name: 'test',
      onListenerError: (error, event) => reported.push([error, event]),
    });
    const after = vi.fn();
    const failure = new Error('listener bug');
    emitter.on('tick', () => {
      throw failure;
    });
    emitter.on('tick', after);
    expect(() => emitter.emit('tick', 3)).not.toThrow();
    expect(after).toHaveBeenCalledWith(3);
    expect(reported).toEqual([[failure, 'tick']]);
  });

  it('survives a reporter that throws too', () => {
    const emitter = new TypedEmitter<Events>({
      name: 'test',
      onListenerError: () => {
        throw new Error('reporter bug');
      },
    });
    emitter.on('done', () => {
      throw new Error('listener bug');
    });
    expect(() => emitter.emit('done')).not.toThrow();
  });

  it('by default warns once per event through process warnings', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      const emitter = new TypedEmitter<Events>({ name: 'the cache' });
      emitter.on('done', () => {
        throw new Error('boom');
      });
      emitter.emit('done');
      emitter.emit('done');
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toContain('"done" on the cache threw (boom)');
      expect(warn.mock.calls[0]?.[1]).toEqual({ code: 'REDGRID_LISTENER_ERROR' });
    } finally {
      warn.mockRestore();
    }
  });

  it('lets a listener remove itself while the event is being emitted', () => {
    const emitter = new TypedEmitter<Events>({ name: 'test' });
    const seen: string[] = [];
    const off = emitter.on('done', () => {
      seen.push('first');
      off();
    });
    emitter.on('done', () => seen.push('second'));
    emitter.emit('done');
    emitter.emit('done');
    expect(seen).toEqual(['first', 'second', 'second']);
  });
});
