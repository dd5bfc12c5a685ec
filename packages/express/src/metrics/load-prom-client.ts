import type * as PromClientModule from 'prom-client';
import { MissingPeerDependencyError } from '../errors/missing-peer-dependency-error.js';

/** The prom-client module (internal: public types never mention prom-client). */
export type PromClient = typeof PromClientModule;

let cached: Promise<PromClient> | undefined;

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Loads prom-client on first use, so that applications without metrics never need it installed.
 * Rejects with {@link MissingPeerDependencyError} when it is not installed. `importer` is for
 * tests.
 */
export function loadPromClient(importer?: () => Promise<unknown>): Promise<PromClient> {
  const load = async (load: () => Promise<unknown>): Promise<PromClient> => {
    try {
      const namespace = (await load()) as PromClient & { default?: PromClient };
      // ESM sees a CommonJS module's exports as named exports and as `default`.
      return typeof namespace.Registry === 'function'
        ? namespace
        : (namespace.default ?? namespace);
    } catch (error) {
      if (isModuleNotFound(error)) {
        throw new MissingPeerDependencyError(
          {
            packageName: 'prom-client',
            feature: 'metricsHandler() / registerMetrics()',
          },
          { cause: error },
        );
      }
      throw error;
    }
  };
  if (importer !== undefined) return load(importer);
  cached ??= load(() => import('prom-client')).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}
