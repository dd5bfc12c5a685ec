import { TIME_EPOCH_MS } from '../algorithm/time-epoch.js';

/**
 * The one Lua script behind every Redis-backed check. It decides any number of independent
 * check groups in one atomic run on the node that owns their slot, each group being one limit,
 * or several limits checked all-or-nothing, and reads the time from that node's `TIME`.
 *
 * Call layout (built by `encodeScriptCall`):
 *
 * - `ARGV[1]` mode: 0 consume, 1 dry run (decide, write nothing), 2 refund.
 * - `ARGV[2]` number of profiles, then 5 arguments per profile: algorithm code
 *   (1 fixed-window, 2 sliding-window, 3 sliding-log, 4 token-bucket, 5 gcra), limit, windowMs,
 *   burst, blockMs. Checks of one limiter share a profile, which keeps the call short.
 * - then one argument per group: `cost * 1024 + profile` (profile index 1..1023) for a group of
 *   one limit, or `-size` followed by `profile, cost` per limit for a group of several.
 * - `KEYS`: per limit, in order, its state key, followed by its block key when the profile's
 *   blockMs > 0. Every key must hash to one slot (the caller wraps keys in a hash tag).
 *
 * Within a group, consume is two-phase: every limit is decided first (reads only) and the new
 * states are written only when all of them allow, so a multi-limit check consumes nothing when
 * one rejects. A limit that rejects by itself (not because a sibling rejected) starts its block,
 * if its profile has one. A group that raises an error (a key of the wrong type) fails alone.
 *
 * Reply, per group: a several-limit group starts with its status (1 allowed, 0 rejected); then
 * per limit `remaining, resetMs` when it allowed (or was refunded), or `-1 - remaining, resetMs,
 * retryAfterMs` when it rejected. A group that failed is one string instead: the error message.
 *
 * Time is milliseconds since 2023-11-14 (an epoch close to now keeps doubles precise to far
 * below a microsecond). Numbers are handed to redis.call as numbers: Redis writes them with 17
 * significant digits, which round-trips a double. Redis 7 replicates a script's effects, not the
 * script, so reading `TIME` is safe.
 */
export const RATE_LIMIT_LUA = `
local EPOCH = ${TIME_EPOCH_MS / 1000}
local mode = tonumber(ARGV[1])
local floor, ceil, max, min, call, tonumber = math.floor, math.ceil, math.max, math.min, redis.call, tonumber
-- Read from TIME on first need (fixed-window never needs it: its window is the key's TTL).
local now = nil

local function duration(value)
  if value <= 0 then return 0 end
  return ceil(value - 1e-9)
end

-- One function per algorithm, few closures: this chunk runs on every call.
-- algorithm(0, key, limit, window, cost, burst) decides: allowed, remaining, resetMs,
--   retryAfterMs, then up to three values a, b, c for the commit. remaining and resetMs are
--   after consuming when allowed, else the current ones.
-- algorithm(1, key, limit, window, cost, burst, a, b, c) writes the consumed state.
-- algorithm(2, key, limit, window, cost, burst) gives cost units back: remaining, resetMs.

-- A window opens at a key's first unit and lasts until its TTL ends, even when refunds bring
-- its count back to 0 (as the memory engine and express-rate-limit's MemoryStore count).
local function fixedWindow(op, key, limit, window, cost, burst, used, ttl, exists)
  if op == 1 then
    if exists == 0 then
      call('SET', key, cost, 'PX', window)
    else
      call('INCRBY', key, cost)
      if ttl < 0 then call('PEXPIRE', key, window) end
    end
    return
  end
  local stored = call('GET', key)
  used = tonumber(stored) or 0
  if op == 2 then
    if used <= 0 then return limit, 0 end
    call('DECRBY', key, min(used, cost))
    used = max(0, used - cost)
    ttl = call('PTTL', key)
    return limit - min(limit, used), (used > 0 and ttl > 0) and ttl or 0
  end
  exists = stored and 1 or 0
  ttl = window
  if exists == 1 then
    ttl = call('PTTL', key)
    if ttl < 0 then ttl = -1 end
  end
  local reset = (ttl < 0) and window or ttl
  if used + cost <= limit then
    return true, limit - used - cost, reset, 0, used, ttl, exists
  end
  return false, limit - min(limit, used), reset, reset, used, ttl, exists
end

-- State: index of the current aligned window, its count, the previous window's count.
local function slidingWindow(op, key, limit, window, cost, burst, index, current, previous)
  if op ~= 1 then
    index = floor(now / window)
    local state = call('HMGET', key, 'w', 'c', 'p')
    local stored = tonumber(state[1])
    current = tonumber(state[2]) or 0
    previous = tonumber(state[3]) or 0
    if stored == nil or stored < index - 1 then
      current, previous = 0, 0
    elseif stored == index - 1 then
      previous, current = current, 0
    elseif stored > index then
      -- This node's clock is behind the one that wrote the state (failover): keep counting in
      -- the stored window rather than forget what it holds.
      index = stored
    end
  end
  local start = index * window
  local weight = 1 - max(0, now - start) / window
  if weight < 0 then weight = 0 end
  if op == 1 and current > 0 then
    -- A count in this window means the stored state is this window's, its expiry already set
    -- for it (start + 2 windows): only the count changes.
    call('HINCRBY', key, 'c', cost)
    return
  end
  if op ~= 0 then
    if op == 1 then
      current = current + cost
    else
      local back = min(current, cost)
      current = current - back
      previous = max(0, previous - (cost - back))
    end
    call('HSET', key, 'w', index, 'c', current, 'p', previous)
    call('PEXPIRE', key, max(1, duration(start + 2 * window - now)))
    if op == 1 then return end
  end
  local estimate = previous * weight + current
  local used = current
  if op == 0 and estimate + cost <= limit + 1e-9 then
    estimate = estimate + cost
    used = current + cost
  end
  local reset = 0
  if used > 0 then
    reset = duration(start + 2 * window - now)
  elseif previous > 0 then
    reset = duration(start + window - now)
  end
  local remaining = max(0, floor(limit - estimate + 1e-9))
  if op == 2 then return remaining, reset end
  if used ~= current then return true, remaining, reset, 0, index, current, previous end
  -- When does previous * weight(t) + current + cost fall to the limit?
  local retry
  if current == 0 then
    retry = start + window - now
  elseif current + cost <= limit then
    retry = window * (1 - (limit - current - cost) / previous) - (1 - weight) * window
  else
    -- Not before the next window, where the current count becomes the weighted one.
    retry = (start + window - now) + max(0, window * (1 - (limit - cost) / current))
  end
  return false, remaining, reset, max(1, duration(retry)), index, current, previous
end

-- One sorted-set entry per unit. The score is when the unit was counted (never below the
-- newest score, so scores keep the insertion order even after a clock step back); the member
-- only has to be unique: a time a microsecond after the newest member, zero-padded so that
-- members of equal score sort in insertion order. Times reported come from scores alone, so
-- units counted in the same microsecond (a batch) all report the full window, not a ms more.
local function slidingLog(op, key, limit, window, cost, burst, newest, newestMember)
  if op == 1 then
    local score = max(now, newest)
    local at = max(now, newestMember + 0.001)
    local args = {}
    for i = 1, cost do
      args[#args + 1] = score
      args[#args + 1] = string.format('%020.3f', at)
      at = at + 0.001
      if #args >= 2000 then
        call('ZADD', key, unpack(args))
        args = {}
      end
    end
    if #args > 0 then call('ZADD', key, unpack(args)) end
    -- The key must outlive its newest entry by a window; refreshed (to two windows) only when
    -- short, since an expiry write costs more than reading it.
    if call('PTTL', key) < score - now + window then
      call('PEXPIRE', key, max(1, duration(score - now + 2 * window)))
    end
    return
  end
  call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local used = call('ZCARD', key)
  if op == 2 then
    if used > 0 then call('ZREMRANGEBYRANK', key, -min(used, cost), -1) end
    used = max(0, used - cost)
    if used == 0 then return limit, 0 end
    newest = tonumber(call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
    return limit - min(limit, used), duration(newest + window - now)
  end
  newest, newestMember = 0, 0
  if used > 0 then
    local last = call('ZRANGE', key, -1, -1, 'WITHSCORES')
    newestMember, newest = tonumber(last[1]) or 0, tonumber(last[2])
  end
  if used + cost <= limit then
    return true, limit - used - cost, duration(max(now, newest) + window - now), 0, newest, newestMember
  end
  -- The oldest (used + cost - limit) entries must leave the window first.
  local need = max(1, min(used, used + cost - limit))
  local entry = call('ZRANGE', key, need - 1, need - 1, 'WITHSCORES')
  local retry = window
  if entry[2] then retry = tonumber(entry[2]) + window - now end
  local reset = (used > 0) and duration(newest + window - now) or 0
  return false, limit - min(limit, used), reset, max(1, duration(retry)), newest, newestMember
end

-- State: tokens left (t) and when they were counted (u), plus when the key expires (e). The
-- key must outlive the time to refill; setting its expiry to twice the full refill time and
-- refreshing it only when it gets short saves a write on most checks.
local function tokenBucket(op, key, limit, window, cost, burst, tokens, at, expires)
  if op ~= 1 then
    local state = call('HMGET', key, 't', 'u', 'e')
    tokens = tonumber(state[1])
    local updated = tonumber(state[2]) or now
    expires = tonumber(state[3]) or 0
    if tokens == nil then
      tokens = burst
    else
      -- min() also when no time passed: a lowered burst applies at once.
      tokens = min(burst, tokens + max(0, now - updated) * limit / window)
    end
    at = max(now, updated)
  end
  local perToken = window / limit
  if op == 0 then
    if tokens + 1e-9 >= cost then
      local left = tokens - cost
      return true, max(0, floor(left + 1e-9)), duration((burst - left) * perToken), 0, tokens, at, expires
    end
    local reset = duration((burst - tokens) * perToken)
    return false, max(0, floor(tokens + 1e-9)), reset, max(1, duration((cost - tokens) * perToken)), tokens, at, expires
  end
  if op == 1 then tokens = tokens - cost else tokens = min(burst, tokens + cost) end
  if tokens >= burst - 1e-9 then
    call('DEL', key)
  else
    local untilFull = (burst - tokens) * perToken
    if expires - now > untilFull + 1 then
      call('HSET', key, 't', tokens, 'u', at)
    else
      local ttl = max(1, duration(2 * burst * perToken))
      call('HSET', key, 't', tokens, 'u', at, 'e', now + ttl)
      call('PEXPIRE', key, ttl)
    end
  end
  if op == 2 then return floor(tokens + 1e-9), duration((burst - tokens) * perToken) end
end

-- GCRA keeps the theoretical arrival time (TAT). The slack absorbs the rounding of repeated
-- additions; it is far below one emission interval, so it never admits an extra request.
local function slackOf(interval)
  local slack = interval / 1000
  if slack < 0.001 then slack = 0.001 end
  if slack > interval / 4 then slack = interval / 4 end
  return slack
end

-- State: the TAT (t) and when the key expires (e), in a hash: overwriting a hash field costs a
-- fraction of a SET, and the expiry (twice the burst time) is refreshed only when it gets short.
local function gcra(op, key, limit, window, cost, burst, tat, expires)
  local interval = window / limit
  if op ~= 1 then
    local state = call('HMGET', key, 't', 'e')
    tat = tonumber(state[1]) or now
    expires = tonumber(state[2]) or 0
    if tat < now then tat = now end
    if op == 0 then
      local tolerance = burst * interval + slackOf(interval)
      local nextTat = tat + cost * interval
      if nextTat - now <= tolerance then
        return true, max(0, floor((tolerance - (nextTat - now)) / interval)), duration(nextTat - now), 0, nextTat, expires
      end
      local remaining = max(0, floor((tolerance - (tat - now)) / interval))
      return false, remaining, duration(tat - now), max(1, duration(nextTat - now - burst * interval)), nextTat, expires
    end
    tat = max(now, tat - cost * interval)
  end
  if tat <= now then
    call('DEL', key)
  elseif expires > tat + 1 then
    call('HSET', key, 't', tat)
  else
    local ttl = max(1, duration(2 * (burst + 1) * interval))
    call('HSET', key, 't', tat, 'e', now + ttl)
    call('PEXPIRE', key, ttl)
  end
  if op == 2 then
    local tolerance = burst * interval + slackOf(interval)
    return max(0, floor((tolerance - (tat - now)) / interval)), duration(tat - now)
  end
end

local algorithms = { fixedWindow, slidingWindow, slidingLog, tokenBucket, gcra }

-- Profiles: code, limit, window, burst, blockMs, five slots each in one flat table.
local profiles = {}
local profileCount = tonumber(ARGV[2])
for i = 1, profileCount * 5 do profiles[i] = tonumber(ARGV[2 + i]) end
local reply = {}
local n = 0
-- Pending commits of a several-limit group: per admitted limit its algorithm, key, limit,
-- window, cost, burst, a, b, c (9 slots) and its reply position. Reused across groups.
local pending, positions = {}, {}

-- Decides one group. A one-limit group passes its profile and cost; a larger one passes where
-- its (profile, cost) pairs start in ARGV. Keys start at KEYS[k]. Appends to reply from n;
-- returns the index of the next group's first key.
local function runGroup(size, profile, cost, argument, k)
  local allAllowed = true
  local admitted = 0
  local base = n
  if size > 1 then
    n = n + 1
    reply[n] = 1
  end
  for i = 1, size do
    if size > 1 then
      profile = tonumber(ARGV[argument])
      cost = tonumber(ARGV[argument + 1])
      argument = argument + 2
    end
    local p = (profile - 1) * 5
    local code, limit, window, burst, blockMs = profiles[p + 1], profiles[p + 2], profiles[p + 3], profiles[p + 4], profiles[p + 5]
    local algorithm = algorithms[code]
    local key = KEYS[k]
    local blockKey = nil
    k = k + 1
    if blockMs > 0 then
      blockKey = KEYS[k]
      k = k + 1
    end
    if now == nil and code ~= 1 then
      local clock = call('TIME')
      now = (tonumber(clock[1]) - EPOCH) * 1000 + tonumber(clock[2]) / 1000
    end
    local blockedFor = 0
    if blockKey and mode ~= 2 then blockedFor = call('PTTL', blockKey) end
    if blockedFor > 0 then
      allAllowed = false
      reply[n + 1], reply[n + 2], reply[n + 3] = -1, blockedFor, blockedFor
      n = n + 3
    elseif mode == 2 then
      local remaining, reset = algorithm(2, key, limit, window, cost, burst)
      reply[n + 1], reply[n + 2] = remaining, reset
      n = n + 2
    else
      local allowed, remaining, reset, retry, a, b, c = algorithm(0, key, limit, window, cost, burst)
      if allowed then
        if size == 1 then
          -- Alone in its group: nothing else can reject, commit at once.
          if mode == 0 then algorithm(1, key, limit, window, cost, burst, a, b, c) end
        else
          local slot = admitted * 9
          pending[slot + 1], pending[slot + 2], pending[slot + 3], pending[slot + 4] = algorithm, key, limit, window
          pending[slot + 5], pending[slot + 6], pending[slot + 7], pending[slot + 8] = cost, burst, a, b
          pending[slot + 9] = c
          admitted = admitted + 1
          positions[admitted] = n + 1
        end
        reply[n + 1], reply[n + 2] = remaining, reset
        n = n + 2
      else
        allAllowed = false
        if blockKey and mode == 0 then
          call('SET', blockKey, 1, 'PX', blockMs)
          retry = max(retry, blockMs)
          reset = max(reset, blockMs)
        end
        reply[n + 1], reply[n + 2], reply[n + 3] = -1 - remaining, reset, retry
        n = n + 3
      end
    end
  end
  if allAllowed then
    if mode == 0 then
      for i = 0, admitted - 1 do
        local slot = i * 9
        pending[slot + 1](1, pending[slot + 2], pending[slot + 3], pending[slot + 4],
          pending[slot + 5], pending[slot + 6], pending[slot + 7], pending[slot + 8], pending[slot + 9])
      end
    end
  elseif size > 1 then
    reply[base + 1] = 0
    -- Limits that would have allowed consumed nothing: report what they still have.
    for i = 1, admitted do
      local at = positions[i]
      reply[at] = reply[at] + pending[(i - 1) * 9 + 5]
    end
  end
  return k
end

local cursor = 3 + profileCount * 5
local last = #ARGV
local keyIndex = 1
-- Where the group being decided starts, so that a group that raises can be skipped.
local groupCursor, groupKey, groupN = 0, 0, 0

local function keysOf(at)
  local g = tonumber(ARGV[at])
  if g > 0 then
    return (profiles[(g % 1024 - 1) * 5 + 5] > 0) and 2 or 1
  end
  local keys = 0
  for i = 1, -g do
    keys = keys + ((profiles[(tonumber(ARGV[at + 2 * i - 1]) - 1) * 5 + 5] > 0) and 2 or 1)
  end
  return keys
end

local function runAll()
  while cursor <= last do
    groupCursor, groupKey, groupN = cursor, keyIndex, n
    local g = tonumber(ARGV[cursor])
    local size, profile, cost, argument = 1, 0, 0, cursor + 1
    if g > 0 then
      profile = g % 1024
      cost = (g - profile) / 1024
      cursor = cursor + 1
    else
      size = -g
      cursor = cursor + 1 + 2 * size
    end
    keyIndex = runGroup(size, profile, cost, argument, keyIndex)
  end
end

-- One protected run for the whole batch; a group that raises (a key of another type) gets its
-- error as its reply and the run goes on after it.
while true do
  local ok, failure = pcall(runAll)
  if ok then break end
  for i = n, groupN + 1, -1 do reply[i] = nil end
  if type(failure) == 'table' and failure.err then failure = failure.err end
  n = groupN + 1
  reply[n] = tostring(failure)
  keyIndex = groupKey + keysOf(groupCursor)
end
return reply
`;
