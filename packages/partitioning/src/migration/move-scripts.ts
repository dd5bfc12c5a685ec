// Lua run on one node each. Atomic per key, so a value cannot change between the two reads
// (DUMP + PTTL) or between the check and the delete.

/** DUMP and PTTL of KEYS[1] at the same instant; nil when the key does not exist. */
export const dumpWithTtlScript = `local payload = redis.call('DUMP', KEYS[1])
if not payload then return false end
return { payload, redis.call('PTTL', KEYS[1]) }`;

/**
 * Deletes KEYS[1] only if its DUMP still hashes to ARGV[1] (what was copied): 1 deleted,
 * 0 changed since (kept), -1 gone.
 */
export const deleteIfUnchangedScript = `local payload = redis.call('DUMP', KEYS[1])
if not payload then return -1 end
if redis.sha1hex(payload) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`;
