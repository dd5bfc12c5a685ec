/**
 * Injection token of the resolved {@link RedisModuleOptions} (what `forRoot` was given, or what
 * the `forRootAsync` factory returned). Inject it to read the configuration the module runs with.
 */
export const REDIS_MODULE_OPTIONS: unique symbol = Symbol.for('redgrid.nestjs.RedisModuleOptions');
