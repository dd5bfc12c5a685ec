import { describe, expect, it } from 'vitest';
import { evaluateScript, luaScript, type ScriptEvaluator } from './evaluate-script.js';
import { scriptSha1 } from './store-script.js';

// Only the call sequence is checked here; what Redis does with it (SCRIPT FLUSH, failover,
// cluster routing) is tested against real servers in the *.int.test.ts files.
function recordingClient(evalshaReply: () => Promise<unknown>) {
  const calls: unknown[][] = [];
  const client: ScriptEvaluator = {
    evalsha: (...args) => {
      calls.push(['evalsha', ...args]);
      return evalshaReply();
    },
    eval: (...args) => {
      calls.push(['eval', ...args]);
      return Promise.resolve('from eval');
    },
  };
  return { client, calls };
}

function replyError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' });
}

// Stands in for an ioredis client: defineCommand adds a method that sends the script (ioredis
// itself picks EVAL or EVALSHA per socket and resends on NOSCRIPT).
function definingClient(replies: Array<() => Promise<unknown>>) {
  const calls: unknown[][] = [];
  const defined: string[] = [];
  const client = {
    evalsha: () => Promise.reject(new Error('not used when defineCommand exists')),
    eval: () => Promise.reject(new Error('not used when defineCommand exists')),
    defineCommand(name: string, definition: { lua: string }) {
      defined.push(name);
      (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
        calls.push([definition.lua, ...args]);
        const next = replies.shift();
        return next ? next() : Promise.resolve('reply');
      };
    },
  };
  return { client: client as ScriptEvaluator, calls, defined };
}

describe('evaluateScript', () => {
  const script = luaScript('return KEYS[1]');

  it('computes the SHA1 once, as scriptSha1 does', () => {
    expect(script.sha1).toBe(scriptSha1('return KEYS[1]'));
    expect(script.sha1).toMatch(/^[0-9a-f]{40}$/);
  });

  it('sends EVALSHA with the keys then the arguments', async () => {
    const { client, calls } = recordingClient(() => Promise.resolve('from evalsha'));
    await expect(evaluateScript(client, script, ['a', 'b'], [1, 'x'])).resolves.toBe(
      'from evalsha',
    );
    expect(calls).toEqual([['evalsha', script.sha1, 2, 'a', 'b', 1, 'x']]);
  });

  it('falls back to one EVAL with the same keys on NOSCRIPT', async () => {
    const { client, calls } = recordingClient(() =>
      Promise.reject(replyError('NOSCRIPT No matching script. Please use EVAL.')),
    );
    await expect(evaluateScript(client, script, ['a'], [])).resolves.toBe('from eval');
    expect(calls).toEqual([
      ['evalsha', script.sha1, 1, 'a'],
      ['eval', script.lua, 1, 'a'],
    ]);
  });

  it('passes every other error on without EVAL', async () => {
    const busy = replyError('BUSY Redis is busy running a script.');
    const { client, calls } = recordingClient(() => Promise.reject(busy));
    await expect(evaluateScript(client, script, ['a'], [])).rejects.toBe(busy);
    expect(calls).toHaveLength(1);
  });

  it('defines the script once per ioredis client and calls it with the key count', async () => {
    const { client, calls, defined } = definingClient([]);
    await evaluateScript(client, script, ['a'], [7]);
    await evaluateScript(client, script, ['b'], []);
    expect(defined).toEqual([`redgrid_${script.sha1}`]);
    expect(calls).toEqual([
      [script.lua, 1, 'a', 7],
      [script.lua, 1, 'b'],
    ]);
  });

  it('sends the command once more when a NOSCRIPT gets past ioredis', async () => {
    const { client, calls } = definingClient([
      () => Promise.reject(replyError('NOSCRIPT No matching script. Please use EVAL.')),
    ]);
    await expect(evaluateScript(client, script, ['a'], [])).resolves.toBe('reply');
    expect(calls).toHaveLength(2);
  });
});
