import { ConfigError, type ConfigIssue, type HealthCheck, type HealthContext } from '@redgrid/core';
import {
  createRateLimiter,
  type RateLimitAlgorithm,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimitResult,
} from '@redgrid/rate-limit';
import {
  clientAddressKey,
  clientAddressKeyIssues,
  DEFAULT_IPV6_SUBNET,
  type RateLimitHeaderOptions,
  type RateLimitHeaderStyle,
  rateLimitHeaderIssues,
  retryAfterSeconds,
  setRateLimitHeaders,
} from '@redgrid/rate-limit/http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { type RateLimitInfo, recordRateLimitInfo } from './rate-limit-info.js';

/**
 * Answers a rejected request. Called instead of `next()` when the limit is exceeded
 * (`info.reason === 'limit-exceeded'`) or when the `closed` failure policy refuses a request
 * while Redis is down (`info.reason === 'store-unavailable'`). The rate-limit headers and
 * `Retry-After` are already set; the status code is not.
 */
export type RateLimitHandler = (
  req: Request,
  res: Response,
  next: NextFunction,
  info: RateLimitInfo,
) => void | Promise<void>;

/** HTTP behaviour of {@link rateLimit}, whatever the limiter. */
export interface RateLimitHttpOptions {
  /**
   * Name of the policy in the `draft-8` headers (`RateLimit-Policy: "<policy>";q=..;w=..`), in
   * `violated-policies` of the default 429 body, and for {@link getRateLimitInfo}. Printable
   * ASCII. Default `'default'`.
   */
  policy?: string;
  /**
   * The client's key. Default: the client IP (`req.ip`, which honours Express's `trust proxy`
   * setting; set it behind a proxy or every client shares the proxy's key), IPv6 addresses
   * grouped by `ipv6Subnet`. Gotcha: a custom generator that uses the IP should pass it through
   * `ipKey()` so IPv6 clients cannot rotate addresses to escape the limit.
   */
  keyGenerator?: (req: Request, res: Response) => string | Promise<string>;
  /**
   * Prepended to every key. Default `'<policy>:'`, so that policies with different names never
   * share counters even over one limiter. Gotcha: two middlewares with the same policy name,
   * algorithm and Redis prefix count the same keys together; give each distinct limit its own
   * `policy` name (or `keyPrefix`).
   */
  keyPrefix?: string;
  /** IPv6 prefix length the default key groups clients by, or `false`. Default 64. See `ipKey`. */
  ipv6Subnet?: number | false;
  /** Requests for which this returns true are neither counted nor limited (health checks, admins). */
  skip?: (req: Request, res: Response) => boolean | Promise<boolean>;
  /**
   * Units a request consumes: a positive integer, at most the limit (burst), or a function of
   * the request (e.g. by payload size or endpoint cost). Default 1.
   */
  cost?: number | ((req: Request, res: Response) => number | Promise<number>);
  /**
   * Answers rejected requests. Default: status `statusCode` (429) or `closedStatusCode` (503)
   * with an `application/problem+json` body using the problem types of the RateLimit draft
   * (`quota-exceeded`, `temporary-reduced-capacity`).
   */
  handler?: RateLimitHandler;
  /** Status of a request over its limit. Default 429. */
  statusCode?: number;
  /**
   * Status of a request refused by the `closed` failure policy while Redis is down. Default 503:
   * the client did nothing wrong. A store failure never produces this (or a 429) under the
   * `memory` and `open` policies.
   */
  closedStatusCode?: number;
  /** IETF RateLimit header style, or `false` for none. Default `'draft-8'` (current draft). */
  standardHeaders?: RateLimitHeaderStyle | false;
  /** Also send `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`. Default false. */
  legacyHeaders?: boolean;
  /**
   * Header set when the answer did not come from Redis, with the failure policy that answered:
   * `memory` (counted in this process only), `open` or `closed`. Absent when Redis decided.
   * `false` disables it. Default `'RateLimit-Degraded'`.
   */
  degradedHeader?: string | false;
}

/** Limiter settings for {@link rateLimit} to create its own limiter with `createRateLimiter`. */
export type RateLimitLimiterSettings = Omit<RateLimiterOptions, 'algorithm'> & {
  /** Default `'sliding-window'` (no double burst at window edges, two numbers per key). */
  algorithm?: RateLimitAlgorithm;
  limiter?: undefined;
};

/**
 * Options of {@link rateLimit}: the HTTP behaviour, plus either a `limiter` you created (and
 * dispose) or the settings of one that the middleware creates (`connection`, `limit`,
 * `windowMs`, ...; disposed by `middleware.dispose()`).
 */
export type RateLimitOptions = RateLimitHttpOptions &
  ({ limiter: RateLimiter } | RateLimitLimiterSettings);

/** Counters of one {@link rateLimit} middleware since it was created. */
export interface RateLimitMiddlewareStats {
  /** Requests let through. */
  readonly allowed: number;
  /** Requests rejected for exceeding the limit (429). */
  readonly rejected: number;
  /** Requests refused by the `closed` policy while Redis was down (503). */
  readonly refused: number;
  /** Requests not counted because `skip` returned true. */
  readonly skipped: number;
  /** Decisions made by a failure policy rather than Redis (included in the counts above). */
  readonly degraded: number;
  /** Requests passed to `next(error)` (a throwing key generator, an invalid cost, ...). */
  readonly errors: number;
}

/** The middleware `rateLimit()` returns: an Express handler with its limiter and counters. */
export interface RateLimitMiddleware extends RequestHandler {
  /** The limiter deciding (for `reset(key)`, `stats()`, events, or metrics). */
  readonly limiter: RateLimiter;
  /** The policy name reported in headers. */
  readonly policy: string;
  /** Request counters (for metrics). */
  stats(): RateLimitMiddlewareStats;
  /** The limiter's health check under `name` (a `HealthIndicator` for `healthRouter`). */
  healthCheck(name: string, context: HealthContext): HealthCheck;
  /** Disposes the limiter if this middleware created it; a no-op for a limiter you passed. */
  dispose(): void;
}

const PROBLEM_TYPE_BASE = 'https://iana.org/assignments/http-problem-types#';

function validateHttpOptions(options: RateLimitHttpOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const cost = options.cost;
  if (typeof cost === 'number' && (!Number.isSafeInteger(cost) || cost < 1)) {
    issues.push({
      variable: 'options.cost',
      message: `must be a positive integer or a function, got ${cost}`,
    });
  }
  for (const field of ['statusCode', 'closedStatusCode'] as const) {
    const value = options[field];
    if (value !== undefined && (!Number.isInteger(value) || value < 400 || value > 599)) {
      issues.push({
        variable: `options.${field}`,
        message: `must be an HTTP error status (400..599), got ${value}`,
      });
    }
  }
  issues.push(
    ...rateLimitHeaderIssues({ ...options, policy: options.policy ?? 'default' }),
    ...clientAddressKeyIssues(options),
  );
  return issues;
}

function defaultHandler(statusCode: number, closedStatusCode: number): RateLimitHandler {
  return (_req, res, _next, info) => {
    const exceeded = info.reason === 'limit-exceeded';
    const status = exceeded ? statusCode : closedStatusCode;
    res.status(status);
    res.setHeader('Content-Type', 'application/problem+json');
    res.end(
      JSON.stringify({
        type: `${PROBLEM_TYPE_BASE}${exceeded ? 'quota-exceeded' : 'temporary-reduced-capacity'}`,
        title: exceeded
          ? 'Too many requests: the quota of this policy is used up'
          : 'Service temporarily unavailable: the rate limiter cannot decide right now',
        status,
        'violated-policies': [info.policy],
        'retry-after-seconds': retryAfterSeconds(info),
      }),
    );
  };
}

// `req.ip` is where Express applies its `trust proxy` setting to X-Forwarded-For.
function defaultKey(req: Request, ipv6Subnet: number | false): string {
  return clientAddressKey(req.ip ?? req.socket?.remoteAddress, { ipv6Subnet });
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * Express middleware that rate-limits requests with `@redgrid/rate-limit`: one atomic Redis
 * script per request (batched with the other requests of the same tick), the same limit across
 * every instance of the service, and a declared behaviour while Redis is down: with the default
 * `memory` failure policy requests keep being limited per process and carry a
 * `RateLimit-Degraded: memory` header; a store failure never turns into a 429 (only the
 * `closed` policy refuses, with a 503).
 *
 * Sets the IETF `RateLimit` / `RateLimit-Policy` fields (current draft by default),
 * `Retry-After` on rejections, and optionally the legacy `X-RateLimit-*` ones. Works with
 * Express 4 and 5.
 *
 * @example
 * const connection = createConnection(loadConfigFromEnv());
 * app.use('/api', rateLimit({ connection, limit: 100, windowMs: 60_000 }));
 */
export function rateLimit(options: RateLimitOptions): RateLimitMiddleware {
  const issues = validateHttpOptions(options);
  if (issues.length > 0) throw new ConfigError(issues);
  const policy = options.policy ?? 'default';

  let limiter: RateLimiter;
  let ownsLimiter = false;
  if (options.limiter !== undefined) {
    limiter = options.limiter;
  } else {
    const {
      policy: _policy,
      keyGenerator: _keyGenerator,
      keyPrefix: _keyPrefix,
      ipv6Subnet: _ipv6Subnet,
      skip: _skip,
      cost: _cost,
      handler: _handler,
      statusCode: _statusCode,
      closedStatusCode: _closedStatusCode,
      standardHeaders: _standardHeaders,
      legacyHeaders: _legacyHeaders,
      degradedHeader: _degradedHeader,
      limiter: _limiter,
      ...settings
    } = options;
    limiter = createRateLimiter({
      ...settings,
      algorithm: settings.algorithm ?? 'sliding-window',
    });
    ownsLimiter = true;
  }

  const keyPrefix = options.keyPrefix ?? `${policy}:`;
  const ipv6Subnet = options.ipv6Subnet ?? DEFAULT_IPV6_SUBNET;
  const keyGenerator = options.keyGenerator;
  const skip = options.skip;
  const cost = options.cost ?? 1;
  const statusCode = options.statusCode ?? 429;
  const closedStatusCode = options.closedStatusCode ?? 503;
  const handler = options.handler ?? defaultHandler(statusCode, closedStatusCode);
  const headerOptions: RateLimitHeaderOptions = {
    policy,
    windowMs: limiter.windowMs,
    failurePolicy: limiter.failurePolicy,
    standardHeaders: options.standardHeaders ?? 'draft-8',
    legacyHeaders: options.legacyHeaders ?? false,
    degradedHeader: options.degradedHeader ?? 'RateLimit-Degraded',
  };

  const counters = {
    allowed: 0,
    rejected: 0,
    refused: 0,
    skipped: 0,
    degraded: 0,
    errors: 0,
  };

  const fail = (next: NextFunction) => (error: unknown) => {
    counters.errors++;
    next(error);
  };

  const respond = (
    req: Request,
    res: Response,
    next: NextFunction,
    key: string,
    units: number,
    result: RateLimitResult,
  ): void => {
    // Under the `memory` policy a rejection is a real decision of the in-memory count; only
    // the `closed` policy refuses because the store is unavailable.
    const reason = result.allowed
      ? undefined
      : result.degraded && limiter.failurePolicy === 'closed'
        ? 'store-unavailable'
        : 'limit-exceeded';
    const info: RateLimitInfo = {
      policy,
      key,
      cost: units,
      allowed: result.allowed,
      limit: result.limit,
      remaining: result.remaining,
      resetMs: result.resetMs,
      retryAfterMs: result.retryAfterMs,
      decidedBy: result.degraded ? limiter.failurePolicy : 'redis',
      reason,
    };
    recordRateLimitInfo(req, info);
    if (result.degraded) counters.degraded++;

    if (!res.headersSent) setRateLimitHeaders(res, result, headerOptions);

    if (result.allowed) {
      counters.allowed++;
      next();
      return;
    }
    if (reason === 'limit-exceeded') counters.rejected++;
    else counters.refused++;
    try {
      const outcome = handler(req, res, next, info);
      if (isPromise(outcome)) outcome.catch(fail(next));
    } catch (error) {
      fail(next)(error);
    }
  };

  const check = (req: Request, res: Response, next: NextFunction, key: string, units: number) => {
    if (typeof units !== 'number' || !Number.isSafeInteger(units) || units < 1) {
      fail(next)(
        new ConfigError([
          {
            variable: 'options.cost',
            message: `must return a positive integer, got ${String(units)}`,
          },
        ]),
      );
      return;
    }
    const fullKey = keyPrefix + key;
    limiter
      .check(fullKey, units === 1 ? undefined : { cost: units })
      .then((result) => respond(req, res, next, fullKey, units, result), fail(next));
  };

  const withKey = (req: Request, res: Response, next: NextFunction, key: string) => {
    if (typeof key !== 'string') {
      fail(next)(
        new ConfigError([
          {
            variable: 'options.keyGenerator',
            message: `must return a string, got ${typeof key}`,
          },
        ]),
      );
      return;
    }
    if (typeof cost === 'number') {
      check(req, res, next, key, cost);
      return;
    }
    const units = cost(req, res);
    if (isPromise(units)) units.then((value) => check(req, res, next, key, value), fail(next));
    else check(req, res, next, key, units);
  };

  const proceed = (req: Request, res: Response, next: NextFunction) => {
    if (keyGenerator === undefined) {
      withKey(req, res, next, defaultKey(req, ipv6Subnet));
      return;
    }
    const key = keyGenerator(req, res);
    if (isPromise(key)) key.then((value) => withKey(req, res, next, value), fail(next));
    else withKey(req, res, next, key);
  };

  // Written without async/await so that the common path (default key, fixed cost, no skip)
  // allocates no extra promise per request beyond the limiter's own.
  const middleware = (req: Request, res: Response, next: NextFunction): void => {
    try {
      if (skip !== undefined) {
        const skipped = skip(req, res);
        if (isPromise(skipped)) {
          skipped.then((value) => {
            if (value) {
              counters.skipped++;
              next();
            } else {
              proceed(req, res, next);
            }
          }, fail(next));
          return;
        }
        if (skipped) {
          counters.skipped++;
          next();
          return;
        }
      }
      proceed(req, res, next);
    } catch (error) {
      fail(next)(error);
    }
  };

  return Object.assign(middleware, {
    limiter,
    policy,
    stats: (): RateLimitMiddlewareStats => ({ ...counters }),
    healthCheck: (name: string, context: HealthContext) => limiter.healthCheck(name, context),
    dispose: () => {
      if (ownsLimiter) limiter.dispose();
    },
  });
}
