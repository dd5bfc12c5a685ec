/**
 * The script behind `ThrottlerCounter` on Redis: one hit of one key for one throttler name,
 * decided atomically on the node that owns the key, with that node's clock (`TIME`, in whole ms
 * since the Unix epoch, like `Date.now()`). It follows, step for step, what `@nestjs/throttler`'s
 * in-memory `ThrottlerStorageService` (6.7) does, so that both answer alike for the same hits
 * at the same instants; `throttler-memory.ts` is the same algorithm for the memory fallback.
 *
 * - `KEYS[1]` the record, a hash shared by every name of the key: `e` when the reported window
 *   ends, `b` when the block ends, `x` blocked (1/0), `s` the last hit number, `h` when the
 *   newest hit of any name expires, `k` until when the record matters (the latest of e, b, h).
 * - `KEYS[2]` the hits of this name: a sorted set, score = when the hit expires (hit time +
 *   ttl), member = its number (unique within the record).
 * - `ARGV` ttl ms, limit, block ms (integers; block <= 0: no block).
 *
 * Reply: `{ totalHits, timeToExpireMs, blocked (1/0), timeToBlockExpireMs, nowMs }`.
 *
 * A record is forgotten once nothing in it matters any more (its window, its block and every hit
 * over: after `k`), as throttler's sweep forgets idle records. The script decides that on its
 * own clock; the keys' expiry (a ms later) only frees the memory, so a server whose command
 * clock differs by a tick from `TIME` changes no decision.
 */
export const THROTTLER_LUA = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local record, hitsKey = KEYS[1], KEYS[2]
local state = redis.call('HMGET', record, 'e', 'b', 'x', 's', 'h', 'k')
local sequence = tonumber(state[4]) or 0
local keepUntil = tonumber(state[6])
if keepUntil == nil or now > keepUntil then state = {} end
local expiresAt = tonumber(state[1]) or (now + ttl)
local blockExpiresAt = tonumber(state[2]) or 0
local blocked = state[3] == '1'
local newest = tonumber(state[5]) or 0

-- Hits expire ttl after they were made (their own ttl).
redis.call('ZREMRANGEBYSCORE', hitsKey, '-inf', now)
local hits = redis.call('ZCARD', hitsKey)
-- The reported window restarts at the first call after it ended.
if expiresAt <= now then expiresAt = now + ttl end

local function hit()
  sequence = sequence + 1
  redis.call('ZADD', hitsKey, now + ttl, sequence)
  if redis.call('PTTL', hitsKey) <= ttl then redis.call('PEXPIRE', hitsKey, ttl + 1) end
  if now + ttl > newest then newest = now + ttl end
  hits = hits + 1
end

local refused, totalHits, blockLeft
if block <= 0 then
  -- No block: a hit over the limit is refused and not recorded; it may pass again as soon as
  -- the oldest recorded hit expires.
  refused = hits >= limit
  if refused then
    totalHits = hits + 1
    if hits > 0 then
      blockLeft = tonumber(redis.call('ZRANGE', hitsKey, 0, 0, 'WITHSCORES')[2]) - now
    else
      blockLeft = expiresAt - now
    end
  else
    hit()
    totalHits = hits
    blockLeft = 0
  end
else
  -- Block: the hit over the limit is recorded and starts the block; hits during the block are
  -- not recorded; the first hit after it starts the count again from this hit.
  if not blocked then hit() end
  if hits > limit and not blocked then
    blocked = true
    blockExpiresAt = now + block
  end
  blockLeft = blockExpiresAt - now
  if blocked and blockLeft <= 0 then
    blocked = false
    redis.call('DEL', hitsKey)
    hits = 0
    hit()
  end
  refused = blocked
  totalHits = hits
  if not refused then blockLeft = 0 end
end

keepUntil = math.max(expiresAt, blockExpiresAt, newest)
redis.call('HSET', record, 'e', expiresAt, 'b', blockExpiresAt, 'x', blocked and 1 or 0, 's', sequence, 'h', newest, 'k', keepUntil)
redis.call('PEXPIREAT', record, keepUntil + 1)
return { totalHits, expiresAt - now, refused and 1 or 0, blockLeft, now }
`;
