import type { FailurePolicy } from '@redgrid/rate-limit';

/**
 * What a `rateLimit()` middleware decided for one request: passed to a custom `handler` and
 * readable later in the request with {@link getRateLimitInfo}.
 */
export interface RateLimitInfo {
  /** The policy name the middleware reports in its headers (option `policy`). */
  readonly policy: string;
  /** The key the request was counted under (after `keyPrefix`). */
  readonly key: string;
  /** Units this request asked for (option `cost`). */
  readonly cost: number;
  /** True when the request may proceed; its cost was consumed. */
  readonly allowed: boolean;
  /** The limit that applied (per-key override and memory division included). */
  readonly limit: number;
  /** Units left after this request; 0 when rejected. */
  readonly remaining: number;
  /** Milliseconds until the key is fully replenished. */
  readonly resetMs: number;
  /** Milliseconds until a request of the same cost can pass; 0 when allowed. */
  readonly retryAfterMs: number;
  /**
   * `redis` when Redis decided; otherwise the failure policy that answered because Redis could
   * not (`memory`: counted in this process only, `open`: allowed uncounted, `closed`: refused).
   */
  readonly decidedBy: 'redis' | FailurePolicy;
  /**
   * Why a rejected request was rejected: `limit-exceeded` (answer 429), or
   * `store-unavailable` (the `closed` failure policy refused it while Redis was down: not the
   * client's fault, answer 503). Undefined when allowed.
   */
  readonly reason: 'limit-exceeded' | 'store-unavailable' | undefined;
}

const infoKey = Symbol.for('redgrid.express.rateLimitInfo');

interface InfoCarrier {
  [infoKey]?: Record<string, RateLimitInfo>;
}

/** Records a decision on the request (internal; read with {@link getRateLimitInfo}). */
export function recordRateLimitInfo(request: object, info: RateLimitInfo): void {
  const carrier = request as InfoCarrier;
  const map = carrier[infoKey];
  if (map === undefined) {
    carrier[infoKey] = { [info.policy]: info };
  } else {
    map[info.policy] = info;
  }
}

/**
 * The decision a `rateLimit()` middleware made for this request, for a route handler that wants
 * to show the remaining quota or log it. With several limiters on a route, pass the `policy`
 * name; without it, the first one recorded is returned. Undefined when no limiter ran (or it
 * skipped the request).
 */
export function getRateLimitInfo(request: object, policy?: string): RateLimitInfo | undefined {
  const map = (request as InfoCarrier)[infoKey];
  if (map === undefined) return undefined;
  if (policy !== undefined) return map[policy];
  for (const name in map) return map[name];
  return undefined;
}
