import net from 'node:net';
import tls from 'node:tls';
import { HarnessError } from '../errors/harness-error.js';
import { encodeCommand, parseReply, RespErrorReply, type RespValue } from './resp-parser.js';

/** Where and how the harness talks to one server: loopback address, credentials, TLS material. */
export interface CommandTarget {
  host: string;
  port: number;
  /** ACL user; `AUTH username password` is sent first when set together with `password`. */
  username?: string | undefined;
  /** Sent with `AUTH` before the commands when set. */
  password?: string | undefined;
  /** PEM material; present = connect with TLS and verify the server against `ca`. */
  tls?: { ca: string; cert?: string | undefined; key?: string | undefined } | undefined;
}

/** Options of {@link sendCommand} and {@link sendCommands}. */
export interface SendCommandOptions {
  /**
   * Deadline for connecting and receiving every reply, default 10 000 ms: generous, because a
   * healthy server answers an admin command at once and a loaded CI machine can stall for seconds.
   */
  timeoutMs?: number;
}

/** Default deadline of harness commands (see {@link SendCommandOptions.timeoutMs}). */
export const commandTimeoutMs = 10_000;

const containerCommands = new Set(['CLUSTER', 'SENTINEL', 'CONFIG', 'ACL', 'CLIENT', 'INFO']);

/** Names a command for an error message without its arguments (which may hold secrets). */
function describeCommand(args: readonly (string | number)[]): string {
  const name = String(args[0] ?? '').toUpperCase();
  const sub = args[1];
  return containerCommands.has(name) && sub !== undefined
    ? `${name} ${String(sub).toUpperCase()}`
    : name;
}

/**
 * Sends several commands on one fresh connection (pipelined) and returns every reply; error
 * replies are returned as {@link RespErrorReply} values, except a failed `AUTH`, which rejects.
 * The connection is always closed afterwards, and a deadline covers the whole exchange, so a
 * paused (SIGSTOP) or killed server turns into an `ERR_HARNESS_TIMEOUT` /
 * `ERR_HARNESS_CONNECTION` error rather than a hang. One connection per call keeps the
 * harness free of reconnection logic; it is meant for polling and setup, not for load.
 */
export function sendCommands(
  target: CommandTarget,
  commands: readonly (readonly (string | number)[])[],
  options: SendCommandOptions = {},
): Promise<RespValue[]> {
  const timeoutMs = options.timeoutMs ?? commandTimeoutMs;
  const address = `${target.host}:${target.port}`;
  const auth: (string | number)[][] = [];
  if (target.password !== undefined) {
    auth.push(
      target.username === undefined
        ? ['AUTH', target.password]
        : ['AUTH', target.username, target.password],
    );
  }
  const all = [...auth, ...commands];
  const label = commands.map(describeCommand).join(', ');

  return new Promise<RespValue[]>((resolve, reject) => {
    const socket = target.tls
      ? tls.connect({
          host: target.host,
          port: target.port,
          ca: target.tls.ca,
          ...(target.tls.cert === undefined ? {} : { cert: target.tls.cert }),
          ...(target.tls.key === undefined ? {} : { key: target.tls.key }),
        })
      : net.connect({ host: target.host, port: target.port });
    let buffer: Buffer = Buffer.alloc(0);
    let offset = 0;
    const replies: RespValue[] = [];
    let settled = false;

    const finish = (error: Error | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) {
        reject(error);
        return;
      }
      const authReply = auth.length > 0 ? replies[0] : undefined;
      if (authReply instanceof RespErrorReply) {
        reject(
          new HarnessError('ERR_HARNESS_REPLY', `AUTH on ${address} failed: ${authReply.message}`),
        );
        return;
      }
      resolve(replies.slice(auth.length));
    };

    const timer = setTimeout(() => {
      finish(
        new HarnessError(
          'ERR_HARNESS_TIMEOUT',
          `${address} did not answer ${label} within ${timeoutMs} ms (paused, overloaded or not a Redis server?)`,
        ),
      );
    }, timeoutMs);

    socket.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      try {
        for (;;) {
          const parsed = parseReply(buffer, offset);
          if (parsed === undefined) break;
          replies.push(parsed.value);
          offset = parsed.next;
        }
      } catch (error) {
        finish(
          new HarnessError('ERR_HARNESS_CONNECTION', `${address} sent a reply that is not RESP`, {
            cause: error,
          }),
        );
        return;
      }
      if (replies.length >= all.length) finish(undefined);
    });
    socket.on('error', (error) => {
      finish(
        new HarnessError(
          'ERR_HARNESS_CONNECTION',
          `Cannot run ${label} on ${address}: ${error.message}`,
          { cause: error },
        ),
      );
    });
    socket.on('close', () => {
      finish(
        new HarnessError(
          'ERR_HARNESS_CONNECTION',
          `${address} closed the connection before answering ${label}`,
        ),
      );
    });
    socket.write(Buffer.concat(all.map(encodeCommand)));
  });
}

/**
 * Sends one command on a fresh connection (after `AUTH` when the target has a password) and
 * returns its reply. An error reply rejects with an `ERR_HARNESS_REPLY` {@link HarnessError}
 * carrying Redis' message (e.g. `WRONGPASS ...`). See {@link sendCommands} for the
 * connection and deadline behaviour.
 */
export async function sendCommand(
  target: CommandTarget,
  args: readonly (string | number)[],
  options: SendCommandOptions = {},
): Promise<RespValue> {
  const [reply] = await sendCommands(target, [args], options);
  if (reply instanceof RespErrorReply) {
    throw new HarnessError(
      'ERR_HARNESS_REPLY',
      `${describeCommand(args)} on ${target.host}:${target.port} failed: ${reply.message}`,
    );
  }
  return reply ?? null;
}
