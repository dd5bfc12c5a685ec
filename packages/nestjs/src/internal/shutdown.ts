/**
 * Key of the method through which `RedisModule` releases what a service created, in order, on
 * application shutdown. A symbol, so that it is not part of any service's public surface.
 */
export const shutdown: unique symbol = Symbol('redgrid.nestjs.shutdown');

/**
 * Key of the method that returns what a service created so far (its limiter, cache or stores)
 * without creating anything: the health indicator reports only what is in use.
 */
export const created: unique symbol = Symbol('redgrid.nestjs.created');
