/** The state of one throttler key in memory: the same fields as the record in Redis. */
export interface ThrottlerRecord {
  /** When the reported window ends (ms since the Unix epoch). */
  expiresAt: number;
  /** When the block ends; 0 if the key was never blocked. */
  blockExpiresAt: number;
  blocked: boolean;
  /** When the newest hit of any name expires. */
  newestHitExpiresAt: number;
  /** Until when the record matters (the latest of the three times above); forgotten after. */
  keepUntil: number;
  /** Per throttler name, when each of its hits expires. */
  readonly hits: Map<string, number[]>;
}

/** What one hit decided, in ms; the same fields the Lua script replies. */
export interface ThrottlerDecision {
  totalHits: number;
  timeToExpireMs: number;
  blocked: boolean;
  /** Until the key may pass again; 0 when not blocked. */
  timeToBlockExpireMs: number;
}

/** One hit's parameters: whole ms (rounded up by the caller), any limit >= 0. */
export interface ThrottlerHitParameters {
  readonly name: string;
  readonly ttlMs: number;
  readonly limit: number;
  readonly blockMs: number;
}

/**
 * Decides one hit on `record` (undefined: a key never seen) at `nowMs`, the same algorithm as
 * `THROTTLER_LUA` (see there for the steps). Returns the decision, the record to keep and how
 * long it must be kept (a record past its `keepUntil` counts as never seen, as in Redis).
 */
export function decideThrottlerHit(
  previous: ThrottlerRecord | undefined,
  nowMs: number,
  parameters: ThrottlerHitParameters,
): { decision: ThrottlerDecision; record: ThrottlerRecord; keepMs: number } {
  const { name, ttlMs, limit, blockMs } = parameters;
  const record: ThrottlerRecord =
    previous !== undefined && nowMs <= previous.keepUntil
      ? previous
      : {
          expiresAt: nowMs + ttlMs,
          blockExpiresAt: 0,
          blocked: false,
          newestHitExpiresAt: 0,
          keepUntil: 0,
          hits: new Map(),
        };
  let hits = (record.hits.get(name) ?? []).filter((expiresAt) => expiresAt > nowMs);
  record.hits.set(name, hits);
  if (record.expiresAt <= nowMs) record.expiresAt = nowMs + ttlMs;
  const hit = () => {
    hits.push(nowMs + ttlMs);
    record.newestHitExpiresAt = Math.max(record.newestHitExpiresAt, nowMs + ttlMs);
  };

  let decision: ThrottlerDecision;
  if (blockMs <= 0) {
    const refused = hits.length >= limit;
    if (refused) {
      decision = {
        totalHits: hits.length + 1,
        timeToExpireMs: record.expiresAt - nowMs,
        blocked: true,
        timeToBlockExpireMs: hits.length > 0 ? Math.min(...hits) - nowMs : record.expiresAt - nowMs,
      };
    } else {
      hit();
      decision = {
        totalHits: hits.length,
        timeToExpireMs: record.expiresAt - nowMs,
        blocked: false,
        timeToBlockExpireMs: 0,
      };
    }
  } else {
    if (!record.blocked) hit();
    if (hits.length > limit && !record.blocked) {
      record.blocked = true;
      record.blockExpiresAt = nowMs + blockMs;
    }
    const blockLeft = record.blockExpiresAt - nowMs;
    if (record.blocked && blockLeft <= 0) {
      record.blocked = false;
      hits = [];
      record.hits.set(name, hits);
      hit();
    }
    decision = {
      totalHits: hits.length,
      timeToExpireMs: record.expiresAt - nowMs,
      blocked: record.blocked,
      timeToBlockExpireMs: record.blocked ? blockLeft : 0,
    };
  }
  record.keepUntil = Math.max(record.expiresAt, record.blockExpiresAt, record.newestHitExpiresAt);
  return { decision, record, keepMs: record.keepUntil - nowMs + 1 };
}
