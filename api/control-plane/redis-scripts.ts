/**
 * Lua scripts of the Redis counter store. Each runs atomically in Redis, which is what makes a
 * check-then-add safe across replicas. Meter hash fields: used, reserved, ws (window start, ms).
 */

/**
 * KEYS: meter hash, grants hash (holder → "seq:amount" of its last grant).
 * ARGV: want, min, force, window start now, limit, holder, seq, isBudget.
 * Returns {granted, used, reserved, window start, rolled, replayed}. A replay of the last grant
 * (same holder and seq: its answer was lost) returns that grant's amount again without taking
 * anything; an older seq gets nothing.
 */
export const GRANT = `
local ws = tonumber(redis.call('HGET', KEYS[1], 'ws'))
local rolled = 0
local start = tonumber(ARGV[4])
if start > ws then
  redis.call('HSET', KEYS[1], 'used', 0, 'ws', start)
  ws = start
  rolled = 1
end
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local reserved = tonumber(redis.call('HGET', KEYS[1], 'reserved') or '0')
local last, lastAmount = -1, 0
local lastGrant = redis.call('HGET', KEYS[2], ARGV[6])
if lastGrant then
  local sep = string.find(lastGrant, ':', 1, true)
  if sep then
    last = tonumber(string.sub(lastGrant, 1, sep - 1))
    lastAmount = tonumber(string.sub(lastGrant, sep + 1))
  else
    last = tonumber(lastGrant)
  end
end
local seq = tonumber(ARGV[7])
if seq == last then
  return {lastAmount, used, reserved, ws, rolled, 1}
end
if seq < last then
  return {0, used, reserved, ws, rolled, 1}
end
local want = tonumber(ARGV[1])
local amount = want
if ARGV[3] ~= '1' then
  local remaining = tonumber(ARGV[5]) - used - reserved
  if remaining < 0 then remaining = 0 end
  if remaining < amount then amount = remaining end
  if amount < tonumber(ARGV[2]) then amount = 0 end
end
if amount > 0 then
  if ARGV[8] == '1' then
    reserved = redis.call('HINCRBY', KEYS[1], 'reserved', amount)
  else
    used = redis.call('HINCRBY', KEYS[1], 'used', amount)
  end
end
redis.call('HSET', KEYS[2], ARGV[6], string.format('%d:%d', seq, amount))
redis.call('PEXPIRE', KEYS[2], 604800000)
return {amount, used, reserved, ws, rolled, 0}
`;

/**
 * KEYS: budget hash, applied-entries set. ARGV: window start now, then (entry key, field, delta)
 * triples. Entries already in the set are skipped (replays). Returns {rolled, fresh indexes…}.
 */
export const APPLY = `
local ws = tonumber(redis.call('HGET', KEYS[1], 'ws'))
local result = {0}
local start = tonumber(ARGV[1])
if start > ws then
  redis.call('HSET', KEYS[1], 'used', 0, 'ws', start)
  result[1] = 1
end
local index = 0
for i = 2, #ARGV, 3 do
  if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then
    redis.call('HINCRBY', KEYS[1], ARGV[i + 1], tonumber(ARGV[i + 2]))
    table.insert(result, index)
  end
  index = index + 1
end
redis.call('PEXPIRE', KEYS[2], 604800000)
return result
`;

/** KEYS: rate meter hash. ARGV: amount, window start it was leased in. */
export const RETURN = `
local ws = redis.call('HGET', KEYS[1], 'ws')
if ws ~= ARGV[2] then return 0 end
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
local amount = tonumber(ARGV[1])
if amount > used then amount = used end
redis.call('HINCRBY', KEYS[1], 'used', -amount)
return amount
`;
