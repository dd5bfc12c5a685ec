import { MissingPeerDependencyError } from '../errors/missing-peer-dependency-error.js';

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * Imports an optional peer dependency, or rejects with {@link MissingPeerDependencyError} naming
 * it when it is not installed (other import failures pass through). `check` tells the module's
 * own exports from a CommonJS `default` wrapper.
 */
export async function loadPeer<Module>(
  details: { packageName: string; feature: string },
  load: () => Promise<unknown>,
  check: (candidate: Module) => boolean,
): Promise<Module> {
  let namespace: Module & { default?: Module };
  try {
    namespace = (await load()) as Module & { default?: Module };
  } catch (error) {
    if (isModuleNotFound(error)) throw new MissingPeerDependencyError(details, { cause: error });
    throw error;
  }
  // ESM sees a CommonJS module's exports as named exports and as `default`.
  if (check(namespace)) return namespace;
  return namespace.default ?? namespace;
}
