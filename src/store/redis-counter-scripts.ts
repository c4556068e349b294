// The Lua behind shared client counters (ingress buckets, budget periods): every process claims
// on the same hashes, all or nothing in one atomic step, as CounterTable does in one process.
//
//   hash cooldown:counter:<counter key>
//     bucket:  t   tokens left as of `at` (epoch ms); refills as the claim says
//     period:  s   settled total
//              ra<i> rs<i>   reserved ring: amounts claimed by running requests, in 30 s slots
//                            kept 6 minutes, so a process that dies mid-request holds nothing
//                            for longer (a request running longer loses its reservation, not
//                            its settled cost)
//
// A bucket expires once it would be full again; a period shortly after it ends.

/** Milliseconds in a reserved slot of a period counter. */
export const RESERVED_SLOT_MS = 30_000;

const COMMON = `
local RSLOTS = 12
local function num(v) if v == false or v == nil or v == '' then return nil end return tonumber(v) end
local function bucketLevel(k, capacity, refill, now)
  local f = redis.call('HMGET', k, 't', 'at')
  local t, at = num(f[1]), num(f[2])
  if t == nil then return capacity end
  return math.min(capacity, t + math.max(0, now - at) * refill)
end
local function reserved(k, slot)
  local fields = {}
  for i = 0, RSLOTS - 1 do
    fields[#fields + 1] = 'ra' .. i
    fields[#fields + 1] = 'rs' .. i
  end
  local v = redis.call('HMGET', k, unpack(fields))
  local sum = 0
  for i = 0, RSLOTS - 1 do
    local a, s = num(v[2 * i + 1]), num(v[2 * i + 2])
    if a and s and s > slot - RSLOTS and s <= slot then sum = sum + a end
  end
  return sum
end
local function reserve(k, slot, nowSlot, amount)
  if slot <= nowSlot - RSLOTS then return end
  local i = slot % RSLOTS
  local held = num(redis.call('HGET', k, 'rs' .. i))
  local a = 0
  if held == slot then a = num(redis.call('HGET', k, 'ra' .. i)) or 0
  elseif held and held > slot then return end
  a = a + amount
  if a < 1e-9 then a = 0 end
  redis.call('HSET', k, 'rs' .. i, slot, 'ra' .. i, a)
end
local function periodLevel(k, slot)
  return (num(redis.call('HGET', k, 's')) or 0) + reserved(k, slot)
end
local function keep(k, kind, a, b, now)
  if kind == 'b' then
    redis.call('PEXPIRE', k, math.ceil(a / b) + 1000)
  else
    redis.call('PEXPIREAT', k, math.max(now, b) + RSLOTS * ${RESERVED_SLOT_MS})
  end
end
`;

/**
 * KEYS: the counters. ARGV: now, reserved slot, then per claim: kind ('b' bucket, 'p' period),
 * amount, capacity or limit, refill per ms or period end. Returns {1, level...} (each counter after
 * the claim) or {0, index (from 0), remaining, ms until it fits (-1: never)}.
 */
export const CLAIM = `${COMMON}
local now, slot = tonumber(ARGV[1]), tonumber(ARGV[2])
local levels = {}
for j = 1, #KEYS do
  local o = 3 + 4 * (j - 1)
  local kind, amount, a, b = ARGV[o], tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  if kind == 'b' then
    local level = bucketLevel(KEYS[j], a, b, now)
    if level < amount then
      local wait = -1
      if amount <= a then wait = math.ceil((amount - level) / b) end
      return { 0, j - 1, tostring(math.max(0, math.floor(level))), wait }
    end
    levels[j] = level
  else
    local used = periodLevel(KEYS[j], slot)
    if used + amount > a or (amount == 0 and used >= a) then
      local wait = -1
      if amount <= a then wait = math.max(0, b - now) end
      return { 0, j - 1, tostring(math.max(0, a - used)), wait }
    end
    levels[j] = used
  end
end
local reply = { 1 }
for j = 1, #KEYS do
  local o = 3 + 4 * (j - 1)
  local kind, amount, a, b = ARGV[o], tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  if kind == 'b' then
    redis.call('HSET', KEYS[j], 't', levels[j] - amount, 'at', now)
    reply[#reply + 1] = tostring(levels[j] - amount)
  else
    if amount > 0 then reserve(KEYS[j], slot, slot, amount) end
    reply[#reply + 1] = tostring(levels[j] + amount)
  end
  keep(KEYS[j], kind, a, b, now)
end
return reply
`;

/**
 * KEYS: the counters. ARGV: now, then per settlement: kind, reserved, used, capacity or limit,
 * refill per ms or period end, the reservation's slot. Returns each counter's level after it.
 */
export const SETTLE = `${COMMON}
local now = tonumber(ARGV[1])
local nowSlot = math.floor(now / ${RESERVED_SLOT_MS})
local reply = {}
for j = 1, #KEYS do
  local o = 2 + 6 * (j - 1)
  local kind, res, used = ARGV[o], tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2])
  local a, b, slot = tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5])
  local k = KEYS[j]
  if kind == 'b' then
    -- A bucket that expired meanwhile refilled anyway: nothing to correct.
    if redis.call('EXISTS', k) == 1 then
      local level = math.min(a, bucketLevel(k, a, b, now) + res - used)
      redis.call('HSET', k, 't', level, 'at', now)
      keep(k, kind, a, b, now)
      reply[j] = tostring(level)
    else
      reply[j] = tostring(a)
    end
  else
    reserve(k, slot, nowSlot, -res)
    if used ~= 0 then redis.call('HINCRBYFLOAT', k, 's', used) end
    keep(k, kind, a, b, now)
    reply[j] = tostring(periodLevel(k, nowSlot))
  end
end
return reply
`;
