import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { isDockerReachable } from './docker-reachable.js';
import { type Backend, selectBackend } from './select-backend.js';

/** Whether `file` is an executable regular file (following symlinks). */
export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `name` on the `PATH` of `env`, if any. */
export function findOnPath(
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

let cached: Promise<Backend> | undefined;

/**
 * Looks at this machine (PATH, `REDIS_SERVER_BIN`, Docker) and returns the backend
 * {@link selectBackend} picks. Docker is only probed when no local binary decides it. The
 * result is cached per process for `process.env`; pass `env` to bypass the cache.
 */
export function detectBackend(
  env?: Readonly<Record<string, string | undefined>>,
): Promise<Backend> {
  if (env === undefined && cached !== undefined) return cached;
  const source = env ?? process.env;
  const detection = (async () => {
    const serverOnPath = findOnPath('redis-server', source);
    const cliOnPath = findOnPath('redis-cli', source);
    const localPossible =
      source.REDIS_HARNESS_BACKEND?.trim() !== 'testcontainers' &&
      (Boolean(source.REDIS_SERVER_BIN?.trim()) || serverOnPath !== undefined);
    const dockerReachable = localPossible ? false : await isDockerReachable(source);
    return selectBackend({
      env: source,
      serverOnPath,
      cliOnPath,
      isExecutable: isExecutableFile,
      dockerReachable,
    });
  })();
  if (env === undefined) {
    cached = detection;
    // A failed detection is not cached: the user may install Redis and retry in the same process.
    detection.catch(() => {
      if (cached === detection) cached = undefined;
    });
  }
  return detection;
}
