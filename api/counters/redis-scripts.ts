/**
 * Lua scripts of the Redis counter store. Each runs atomically in Redis, which is what makes a
 * check-then-add safe across replicas. Meter hash fields: used, reserved, ws (window start, ms).
 *
 * Budget counters follow the database's ledger, never lead it (redis-store.ts): an entry is
 * first an *intent* (hash `<meter>:intents`, entry key → "field|delta|at|counted|holder|seq"),
 * then a durable ledger row, then COMMIT counts it. A grant is the one change counted before its
 * row exists (the check-and-take must be atomic here); its intent says so (counted = 1), and if
 * the row never lands REPAIR takes it back. Every count is recorded in `<meter>:applied` (a
 * sorted set scored by time, trimmed after a few minutes), so two paths can never count one
 * entry twice.
 *
 * Every script that leaves an intent or an applied entry on a budget also adds the budget's id to
 * the set of budgets REPAIR has work on (`<prefix>repair:budgets`), in the same atomic step, and
 * REPAIR takes it out once both are empty: a sweep visits those budgets, not every budget.
 */

/** Shared by COMMIT and REPAIR: rolls the window, and counts one entry without going below 0. */
const COUNT = `
local function roll(start)
  local ws = tonumber(redis.call('HGET', KEYS[1], 'ws'))
  -- No hash (never used here): nothing to roll; REPAIR then only trims.
  if ws == nil then return start, 0 end
  if start > ws then
    redis.call('HSET', KEYS[1], 'used', 0, 'ws', start)
    return start, 1
  end
  return ws, 0
end
local clamped = 0
local function count(ws, field, delta, at)
  -- A settle recorded before the current window began belongs to an ended window.
  if field == 'used' and at < ws then return end
  local now = tonumber(redis.call('HGET', KEYS[1], field) or '0')
  if now + delta < 0 then
    clamped = clamped + (-(now + delta))
    delta = -now
  end
  redis.call('HINCRBY', KEYS[1], field, delta)
end
local function parse(intent)
  local parts = {}
  for part in string.gmatch(intent, '([^|]*)|?') do table.insert(parts, part) end
  return parts
end
`;

/**
 * KEYS: meter hash, grants hash (holder → "seq:amount" of its last grant), intents hash, the
 * set of budgets with repair work. ARGV: want, min, force, window start now, limit, holder, seq,
 * isBudget, intent key, now, meter id.
 * Returns {granted, used, reserved, window start, rolled, replayed}. A replay of the last grant
 * (same holder and seq: its answer was lost) returns that grant's amount again without taking
 * anything; an older seq gets nothing. A new budget grant is counted at once and left as a
 * counted intent until its ledger row is durable.
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
    redis.call('HSET', KEYS[3], ARGV[9],
      string.format('reserved|%d|%d|1|%s|%d', amount, tonumber(ARGV[10]), ARGV[6], seq))
    redis.call('SADD', KEYS[4], ARGV[11])
  else
    used = redis.call('HINCRBY', KEYS[1], 'used', amount)
  end
end
redis.call('HSET', KEYS[2], ARGV[6], string.format('%d:%d', seq, amount))
redis.call('PEXPIRE', KEYS[2], 604800000)
return {amount, used, reserved, ws, rolled, 0}
`;

/**
 * KEYS: intents hash, the set of budgets with repair work. ARGV: now, budget id, then (entry
 * key, field, delta) triples. Records each entry as an uncounted intent unless one is there
 * already. Returns 1 per entry whose intent was left over (by an attempt that may have crashed
 * after its ledger row was written), else 0.
 */
export const PREPARE = `
redis.call('SADD', KEYS[2], ARGV[2])
local result = {}
for i = 3, #ARGV, 3 do
  local fresh = redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2] .. '|' .. ARGV[1] .. '|0||')
  table.insert(result, 1 - fresh)
end
return result
`;

/**
 * KEYS: budget hash, applied sorted set, intents hash, the set of budgets with repair work.
 * ARGV: window start now, now, budget id, then
 * (entry key, field, delta, at, counted, inserted, leftover) 7-tuples, once the entries' ledger
 * rows are durable. `counted`: 0 for report entries, 1 for a new grant, 2 for a replayed grant
 * (answered before: counted already unless its intent is still open); `inserted`: this attempt
 * wrote the row; `leftover`: an earlier attempt's intent was found (it may have written the row
 * and died). Counts each entry at most once.
 * Returns {rolled, amount clamped to keep counters ≥ 0}.
 */
export const COMMIT = `${COUNT}
local ws, rolled = roll(tonumber(ARGV[1]))
local now = tonumber(ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
for i = 4, #ARGV, 7 do
  local key, field, delta, at = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  local counted, replay = ARGV[i + 4] ~= '0', ARGV[i + 4] == '2'
  local inserted, leftover = ARGV[i + 5] == '1', ARGV[i + 6] == '1'
  local applied = redis.call('ZSCORE', KEYS[2], key)
  local intent = redis.call('HGET', KEYS[3], key)
  if applied then
    if intent and not counted then redis.call('HDEL', KEYS[3], key) end
  else
    local countNow
    if intent then
      redis.call('HDEL', KEYS[3], key)
      countNow = (not counted) and (inserted or leftover)
    else
      -- No intent: REPAIR took a new grant back while its row was being written (count it
      -- again: the row is there now), or this is a replay of something counted long ago.
      countNow = (counted and not replay) or ((not counted) and inserted)
    end
    if countNow then count(ws, field, delta, at) end
    redis.call('ZADD', KEYS[2], now, key)
  end
end
return {rolled, clamped}
`;

/**
 * KEYS: budget hash, applied sorted set, intents hash, grants hash, the set of budgets with
 * repair work. ARGV: window start now, now, applied-set horizon, budget id, then (entry key, in
 * ledger) pairs for intents older than the grace time. An intent whose row is in the ledger is
 * counted (once); one whose row is not is dropped, and a counted grant is taken back (its replay
 * then gets nothing). Trims the applied set; the budget stays in the set while either holds
 * anything (a budget found with work that is not in the set, from before the set existed, joins
 * it). Returns {resolved, clamped}.
 */
export const REPAIR = `${COUNT}
local ws = roll(tonumber(ARGV[1]))
local now = tonumber(ARGV[2])
local resolved = 0
for i = 5, #ARGV, 2 do
  local key, inLedger = ARGV[i], ARGV[i + 1] == '1'
  local intent = redis.call('HGET', KEYS[3], key)
  if intent then
    local p = parse(intent)
    local field, delta, at, counted = p[1], tonumber(p[2]), tonumber(p[3]), p[4] == '1'
    local applied = redis.call('ZSCORE', KEYS[2], key)
    if inLedger then
      if not counted and not applied then count(ws, field, delta, at) end
      redis.call('ZADD', KEYS[2], now, key)
    elseif counted then
      count(ws, field, -delta, at)
      local holder, seq = p[5], tonumber(p[6])
      if redis.call('HGET', KEYS[4], holder) == string.format('%d:%d', seq, delta) then
        redis.call('HSET', KEYS[4], holder, string.format('%d:0', seq))
      end
    end
    redis.call('HDEL', KEYS[3], key)
    resolved = resolved + 1
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[3]))
if redis.call('HLEN', KEYS[3]) == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('SREM', KEYS[5], ARGV[4])
else
  redis.call('SADD', KEYS[5], ARGV[4])
end
return {resolved, clamped}
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
