import type { CommandLike, InstanceLike } from '../ioredis/internals.js';
import type { CommandRoute } from './command-guard-options.js';

/**
 * The routes of each guarded instance (see `CommandGuard.addRoute`): which other instance
 * writes a command sent to it, asked in the order the routes were added.
 */
export class RouteTable {
  readonly #routes = new Map<InstanceLike, readonly CommandRoute[]>();

  /** Adds `route` after the instance's other routes; returns the function that removes it. */
  add(instance: InstanceLike, route: CommandRoute): () => void {
    this.#routes.set(instance, [...(this.#routes.get(instance) ?? []), route]);
    return () => {
      const next = (this.#routes.get(instance) ?? []).filter((entry) => entry !== route);
      if (next.length === 0) this.#routes.delete(instance);
      else this.#routes.set(instance, next);
    };
  }

  /** The first instance a route of `instance` picks for `command`, or undefined. */
  pick(instance: InstanceLike, command: CommandLike, stream: unknown): InstanceLike | undefined {
    if (this.#routes.size === 0) return undefined;
    for (const route of this.#routes.get(instance) ?? []) {
      const target = route(command, stream);
      if (target !== undefined) return target;
    }
    return undefined;
  }
}
