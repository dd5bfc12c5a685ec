import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { clientAddressKey } from './client-address-key.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import {
  RATE_LIMIT_OPTIONS,
  type RateLimitOptions,
  type RateLimitRequest,
} from './rate-limit-options.js';
import { RateLimitService } from './rate-limit-service.js';

interface HeaderWritable {
  setHeader?: (name: string, value: string) => unknown;
  getHeader?: (name: string) => number | string | string[] | undefined;
  header?: (name: string, value: string) => unknown;
}

// `@RateLimit()` on a controller and on one of its methods applies the guard twice; the
// method's options win (getAllAndOverride) and the request is counted once.
const decided = new WeakSet<object>();

// Structured-field lists: several limiters on one route (an Express `rateLimit()` middleware and
// this guard) each append their item, as the draft intends.
const listHeaders = new Set(['RateLimit', 'RateLimit-Policy']);

function writeHeader(response: HeaderWritable, name: string, value: string): void {
  if (response.setHeader === undefined) {
    response.header?.(name, value);
    return;
  }
  const current = listHeaders.has(name) ? response.getHeader?.(name) : undefined;
  const existing = Array.isArray(current) ? current.join(', ') : current?.toString();
  response.setHeader(
    name,
    existing === undefined || existing === '' ? value : `${existing}, ${value}`,
  );
}

/**
 * Enforces the limits declared with {@link RateLimit} (usually applied by that decorator; it can
 * also be registered globally with `APP_GUARD`, then routes without `@RateLimit()` pass).
 * HTTP only: other contexts (RPC, WebSockets) pass through.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  readonly #rateLimits: RateLimitService;
  readonly #reflector: Reflector;

  constructor(
    @Inject(RateLimitService) rateLimits: RateLimitService,
    @Inject(Reflector) reflector: Reflector,
  ) {
    this.#rateLimits = rateLimits;
    this.#reflector = reflector;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const options = this.#reflector.getAllAndOverride<RateLimitOptions | undefined>(
      RATE_LIMIT_OPTIONS,
      [context.getHandler(), context.getClass()],
    );
    if (options === undefined) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<RateLimitRequest>();
    if (decided.has(request)) return true;
    decided.add(request);
    if (options.skip !== undefined && (await options.skip(request, context))) return true;
    const policy = options.name ?? `${context.getClass().name}.${context.getHandler().name}`;
    const who =
      options.key === undefined
        ? clientAddressKey(request.ip ?? request.socket?.remoteAddress ?? 'unknown')
        : await options.key(request, context);
    const result = await this.#rateLimits.check(`${policy}:${who}`, {
      limit: options.limit,
      windowMs: options.windowMs,
      ...(options.cost === undefined ? {} : { cost: options.cost }),
    });
    const response = http.getResponse<HeaderWritable>();
    for (const [name, value] of Object.entries(
      rateLimitHeaders(result, {
        policy,
        windowMs: options.windowMs,
        failurePolicy: this.#rateLimits.limiter.failurePolicy,
      }),
    )) {
      writeHeader(response, name, value);
    }
    if (result.allowed) return true;
    if (result.degraded && this.#rateLimits.limiter.failurePolicy === 'closed') {
      // The store is down and the policy refuses everything: an outage, not the client's fault.
      throw new HttpException(
        { statusCode: HttpStatus.SERVICE_UNAVAILABLE, message: 'Rate limiter unavailable' },
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    throw new HttpException(
      {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        message: 'Too Many Requests',
        retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
