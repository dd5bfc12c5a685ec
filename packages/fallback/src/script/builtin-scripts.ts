// Lua the ResilientStore runs itself. Every script touches only its KEYS, all in one slot.

/** SET of many keys with per-key TTL. KEYS: k1..kn. ARGV: v1, ttl1, v2, ttl2, ... (ttl 0: none). */
export const MSET_LUA = `
for i = 1, #KEYS do
  local ttl = ARGV[2 * i]
  if ttl == '0' then
    redis.call('SET', KEYS[i], ARGV[2 * i - 1])
  else
    redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'PX', ttl)
  end
end
return #KEYS
`;

/**
 * MSET_LUA that also records each key's write version (last-write-wins).
 * KEYS: k1, vk1, k2, vk2, ... ARGV: nowMs, v1, ttl1, v2, ttl2, ...
 */
export const MSET_VERSIONED_LUA = `
local now = ARGV[1]
for i = 1, #KEYS / 2 do
  local key, versionKey = KEYS[2 * i - 1], KEYS[2 * i]
  local value, ttl = ARGV[2 * i], ARGV[2 * i + 1]
  if ttl == '0' then
    redis.call('SET', key, value)
    redis.call('SET', versionKey, now)
  else
    redis.call('SET', key, value, 'PX', ttl)
    redis.call('SET', versionKey, now, 'PX', ttl)
  end
end
return #KEYS / 2
`;

/**
 * DEL that leaves a tombstone version (last-write-wins), so an older write made elsewhere during
 * an outage is not replayed over the delete. KEYS: k1, vk1, ... ARGV: nowMs, tombstoneTtlMs.
 */
export const DELETE_VERSIONED_LUA = `
local deleted = 0
for i = 1, #KEYS / 2 do
  deleted = deleted + redis.call('DEL', KEYS[2 * i - 1])
  redis.call('SET', KEYS[2 * i], ARGV[1], 'PX', ARGV[2])
end
return deleted
`;

/**
 * INCRBY that sets a TTL only when it creates the key (like MemoryStore.increment).
 * KEYS: key [, versionKey]. ARGV: by, ttlMs (0: none) [, nowMs].
 */
export const INCREMENT_LUA = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if KEYS[2] then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    redis.call('SET', KEYS[2], ARGV[3], 'PX', ttl)
  else
    redis.call('SET', KEYS[2], ARGV[3])
  end
end
return value
`;

/**
 * Replays one write made in memory during an outage, unless Redis holds a newer one.
 * KEYS: key, versionKey. ARGV: writtenAtMs, 'set' | 'delete', value, ttlMs (0: none),
 * tombstoneTtlMs. Returns 1 when replayed, 0 when Redis's version is as new or newer.
 */
export const REPLAY_LUA = `
local current = tonumber(redis.call('GET', KEYS[2]) or '-1')
if current >= tonumber(ARGV[1]) then
  return 0
end
if ARGV[2] == 'set' then
  if ARGV[4] == '0' then
    redis.call('SET', KEYS[1], ARGV[3])
    redis.call('SET', KEYS[2], ARGV[1])
  else
    redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
    redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
  end
else
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[5])
end
return 1
`;
