import net from 'node:net';

/**
 * True when `host:port` can be bound right now (a listen-and-close test). Only a snapshot:
 * another process may take the port a moment later, which is why ports are also locked
 * ({@link acquirePort}) and why a redis-server that fails to bind is retried on a new port.
 */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}
