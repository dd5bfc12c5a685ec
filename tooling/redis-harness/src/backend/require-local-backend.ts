import { HarnessError } from '../errors/harness-error.js';
import type { Backend, LocalBackend } from './select-backend.js';

/**
 * The backend as a local one, or `ERR_HARNESS_UNSUPPORTED` naming `what`: Cluster and Sentinel
 * topologies are only implemented for a local redis-server binary.
 */
export function requireLocalBackend(backend: Backend, what: string): LocalBackend {
  if (backend.kind === 'local') return backend;
  throw new HarnessError(
    'ERR_HARNESS_UNSUPPORTED',
    `${what} needs a local redis-server binary; the Testcontainers backend only runs standalone servers so far. Install Redis (\`apt-get install redis-server\`) or set REDIS_SERVER_BIN.`,
  );
}
