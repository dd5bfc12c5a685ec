import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ConfigError } from '@redgrid/core';
import { rateLimitHeaderIssues } from '@redgrid/rate-limit/http';
import { RateLimitGuard } from './rate-limit-guard.js';
import { RATE_LIMIT_OPTIONS, type RateLimitOptions } from './rate-limit-options.js';

/**
 * Limits a route (on a method) or every route of a controller (on the class) with the module's
 * distributed rate limiter, and applies {@link RateLimitGuard}. Allowed responses carry
 * `RateLimit-Policy` and `RateLimit` headers; refused ones are 429 with `Retry-After`. While Redis
 * is down the limiter's failure policy answers (`RateLimit-Degraded: memory`), and under the
 * `closed` policy a refusal is a 503, not a 429. Throws a `ConfigError` when the class is defined
 * if `name` cannot be sent in a header (it must be printable ASCII).
 *
 * @example
 * @Post()
 * @RateLimit({ limit: 10, windowMs: 60_000 })
 * create(@Body() body: CreateTask) { ... }
 */
export function RateLimit(options: RateLimitOptions): MethodDecorator & ClassDecorator {
  if (options.name !== undefined) {
    const issues = rateLimitHeaderIssues({ policy: options.name });
    if (issues.length > 0) {
      throw new ConfigError(issues.map((issue) => ({ ...issue, variable: 'options.name' })));
    }
  }
  return applyDecorators(SetMetadata(RATE_LIMIT_OPTIONS, options), UseGuards(RateLimitGuard));
}
