import path from 'node:path';
import { HarnessError } from '../errors/harness-error.js';

/** Redis processes started from a `redis-server` binary on this machine. */
export interface LocalBackend {
  kind: 'local';
  /** Absolute path of redis-server; sentinels run as `redis-server <conf> --sentinel`. */
  serverBin: string;
  /** redis-cli next to redis-server, else the one on PATH; only the tests and the CLI use it. */
  cliBin: string | undefined;
  /** Why this binary: `REDIS_SERVER_BIN` or found on `PATH`. */
  source: 'REDIS_SERVER_BIN' | 'PATH';
}

/** Redis in Docker containers through Testcontainers (standalone topologies only). */
export interface TestcontainersBackend {
  kind: 'testcontainers';
  /** Image to run, `REDIS_HARNESS_IMAGE` or the official `redis:7.4`. */
  image: string;
}

/** Where the harness gets its Redis servers from. */
export type Backend = LocalBackend | TestcontainersBackend;

/** Everything {@link selectBackend} decides on, gathered by `detectBackend()`. */
export interface BackendProbe {
  /** Reads `REDIS_SERVER_BIN`, `REDIS_HARNESS_BACKEND` (`local` | `testcontainers`), `REDIS_HARNESS_IMAGE`. */
  env: Readonly<Record<string, string | undefined>>;
  /** Absolute path of `redis-server` found on PATH, if any. */
  serverOnPath: string | undefined;
  /** Absolute path of `redis-cli` found on PATH, if any. */
  cliOnPath: string | undefined;
  /** Whether a path is an executable file. */
  isExecutable: (file: string) => boolean;
  /** Whether a Docker engine answered a ping. */
  dockerReachable: boolean;
}

/** Default image of the Testcontainers backend: the official Redis image. */
export const defaultRedisImage = 'redis:7.4';

const howToGetRedis =
  'Install Redis (Debian/Ubuntu: `sudo apt-get install redis-server`, macOS: `brew install redis`) ' +
  'or point REDIS_SERVER_BIN at a redis-server binary; or install and start Docker so that ' +
  'Testcontainers can run the official `redis` image.';

function localBackend(
  serverBin: string,
  source: LocalBackend['source'],
  probe: BackendProbe,
): LocalBackend {
  const sibling = path.join(path.dirname(serverBin), 'redis-cli');
  const cliBin = probe.isExecutable(sibling) ? sibling : probe.cliOnPath;
  return { kind: 'local', serverBin, cliBin, source };
}

/**
 * Chooses the backend (pure: all inputs come from `probe`). Order: `REDIS_SERVER_BIN` (must be
 * executable, or this throws rather than silently using something else), then `redis-server` on
 * PATH, then Testcontainers when a Docker engine is reachable; otherwise one
 * `ERR_HARNESS_NO_BACKEND` error that says how to get either. `REDIS_HARNESS_BACKEND=local` or
 * `=testcontainers` forces one and fails when it is unavailable.
 */
export function selectBackend(probe: BackendProbe): Backend {
  const forced = probe.env.REDIS_HARNESS_BACKEND?.trim() || undefined;
  if (forced !== undefined && forced !== 'local' && forced !== 'testcontainers') {
    throw new HarnessError(
      'ERR_HARNESS_BACKEND_CONFIG',
      `REDIS_HARNESS_BACKEND must be "local" or "testcontainers" (got ${JSON.stringify(forced)}); unset it to choose automatically.`,
    );
  }
  const image = probe.env.REDIS_HARNESS_IMAGE?.trim() || defaultRedisImage;
  const explicit = probe.env.REDIS_SERVER_BIN?.trim() || undefined;

  if (forced !== 'testcontainers') {
    if (explicit !== undefined) {
      if (!probe.isExecutable(explicit)) {
        throw new HarnessError(
          'ERR_HARNESS_BACKEND_CONFIG',
          `REDIS_SERVER_BIN=${explicit} is not an executable file. Point it at a redis-server binary or unset it.`,
        );
      }
      return localBackend(path.resolve(explicit), 'REDIS_SERVER_BIN', probe);
    }
    if (probe.serverOnPath !== undefined) {
      return localBackend(probe.serverOnPath, 'PATH', probe);
    }
    if (forced === 'local') {
      throw new HarnessError(
        'ERR_HARNESS_BACKEND_CONFIG',
        `REDIS_HARNESS_BACKEND=local but no redis-server is on PATH and REDIS_SERVER_BIN is not set. ${howToGetRedis}`,
      );
    }
  }
  if (probe.dockerReachable) return { kind: 'testcontainers', image };
  if (forced === 'testcontainers') {
    throw new HarnessError(
      'ERR_HARNESS_BACKEND_CONFIG',
      'REDIS_HARNESS_BACKEND=testcontainers but no Docker engine is reachable (DOCKER_HOST, /var/run/docker.sock). Start Docker or unset REDIS_HARNESS_BACKEND.',
    );
  }
  throw new HarnessError(
    'ERR_HARNESS_NO_BACKEND',
    `No Redis for the test harness: no redis-server on PATH, REDIS_SERVER_BIN is not set, and no Docker engine is reachable. ${howToGetRedis}`,
  );
}
