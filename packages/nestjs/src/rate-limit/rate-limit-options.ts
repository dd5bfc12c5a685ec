import type { ExecutionContext } from '@nestjs/common';

/** The fields of an HTTP request the rate-limit guard reads (Express and Fastify both fit). */
export interface RateLimitRequest {
  readonly ip?: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket?: { readonly remoteAddress?: string | undefined } | undefined;
  /** Route parameters (`/tasks/:id` gives `params.id`). */
  readonly params?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Options of {@link RateLimit}. */
export interface RateLimitOptions {
  /** Requests (units) allowed per window. */
  limit: number;
  /** Window length in ms. */
  windowMs: number;
  /** Units one request consumes. Default 1. */
  cost?: number;
  /**
   * Name of the limit: the scope of its counters and the policy name in the `RateLimit`
   * headers. Default `<Controller>.<handler>`, so every route counts separately; give two routes
   * the same name to share one budget.
   */
  name?: string;
  /**
   * Who is limited. Default: the client address (`request.ip`; IPv6 by /64 subnet). Behind a
   * proxy, set Express' `trust proxy` so that `request.ip` is the client's. Return a user id or
   * an API key to limit per account.
   */
  key?: (request: RateLimitRequest, context: ExecutionContext) => string | Promise<string>;
  /** Return true to let a request through without counting it (health probes, admins). */
  skip?: (request: RateLimitRequest, context: ExecutionContext) => boolean | Promise<boolean>;
}

/** Metadata key under which {@link RateLimit} stores its options (read by {@link RateLimitGuard}). */
export const RATE_LIMIT_OPTIONS: unique symbol = Symbol.for('redgrid.nestjs.RateLimitOptions');
