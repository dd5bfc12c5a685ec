import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

function pingSocket(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

function canConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a Docker engine answers: `DOCKER_HOST` (unix socket: `GET /_ping`; tcp: a TCP
 * connect), else the usual sockets (/var/run/docker.sock, rootless `$XDG_RUNTIME_DIR`, Docker
 * Desktop's `~/.docker/run`). A quick approximation of what Testcontainers itself detects
 * (it also reads ~/.testcontainers.properties and knows Podman/Colima paths).
 */
export async function isDockerReachable(
  env: Readonly<Record<string, string | undefined>> = process.env,
  timeoutMs = 1000,
): Promise<boolean> {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) return pingSocket(dockerHost.slice(7), timeoutMs);
    const match = /^tcp:\/\/([^:/]+):(\d+)/.exec(dockerHost);
    if (match?.[1] !== undefined && match[2] !== undefined) {
      return canConnect(match[1], Number(match[2]), timeoutMs);
    }
    return false;
  }
  const candidates = ['/var/run/docker.sock', path.join(os.homedir(), '.docker/run/docker.sock')];
  if (env.XDG_RUNTIME_DIR) candidates.push(path.join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  for (const socketPath of candidates) {
    if (existsSync(socketPath) && (await pingSocket(socketPath, timeoutMs))) return true;
  }
  return false;
}
