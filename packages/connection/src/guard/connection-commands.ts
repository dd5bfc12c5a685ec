// Commands ioredis sends by itself to set a connection up or to follow a redirection. They
// bypass the breaker and the deadline: refusing the handshake of a reconnect while the breaker
// is open would keep the breaker from ever seeing the server come back. (P/S)SUBSCRIBE are
// connection state too: ioredis re-sends them by itself after a reconnect (autoResubscribe)
// and never handles that promise, so refusing them while the breaker is still open would
// surface as an unhandled rejection.
const connectionCommands = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'auth',
  'hello',
  'select',
  'client',
  'readonly',
  'readwrite',
  'asking',
  'quit',
]);
// Sent by ioredis' ready checks before the instance is ready (INFO; CLUSTER INFO for a cluster).
const readyCheckCommands = new Set(['info', 'cluster']);

/**
 * True for a command the guard lets through unguarded (no admission, no deadline): connection
 * set-up and redirections ioredis sends by itself, and ready checks before the instance is ready.
 */
export function isConnectionCommand(name: string, instanceStatus: string): boolean {
  return (
    connectionCommands.has(name) || (instanceStatus !== 'ready' && readyCheckCommands.has(name))
  );
}
