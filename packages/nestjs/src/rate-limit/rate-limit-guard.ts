import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  clientAddressKey,
  type HeaderTarget,
  retryAfterSeconds,
  setRateLimitHeaders,
} from '@redgrid/rate-limit/http';
import {
  RATE_LIMIT_OPTIONS,
  type RateLimitOptions,
  type RateLimitRequest,
} from './rate-limit-options.js';
import { RateLimitService } from './rate-limit-service.js';

/** An Express response (`setHeader`) or a Fastify reply (`header`). */
interface HeaderWritable {
  setHeader?: (name: string, value: string) => unknown;
  getHeader?: (name: string) => number | string | string[] | undefined;
  header?: (name: string, value: string) => unknown;
}

// `@RateLimit()` on a controller and on one of its methods applies the guard twice; the
// method's options win (getAllAndOverride) and the request is counted once.
const decided = new WeakSet<object>();

/** The response as the shared header writer wants it, whichever platform Nest runs on. */
function headerTarget(response: HeaderWritable): HeaderTarget {
  return {
    setHeader: (name, value) =>
      response.setHeader === undefined
        ? response.header?.(name, value)
        : response.setHeader(name, value),
    getHeader: (name) => response.getHeader?.(name),
  };
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
    // `request.ip` is where the platform applies its proxy setting (Express `trust proxy`).
    const who =
      options.key === undefined
        ? clientAddressKey(request.ip ?? request.socket?.remoteAddress)
        : await options.key(request, context);
    const result = await this.#rateLimits.check(`${policy}:${who}`, {
      limit: options.limit,
      windowMs: options.windowMs,
      ...(options.cost === undefined ? {} : { cost: options.cost }),
    });
    setRateLimitHeaders(headerTarget(http.getResponse<HeaderWritable>()), result, {
      policy,
      windowMs: options.windowMs,
      failurePolicy: this.#rateLimits.limiter.failurePolicy,
    });
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
        retryAfterSeconds: retryAfterSeconds(result),
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}
