// The Lua behind shared key budgets: one hash per upstream key holds what every process reserved
// and what the upstream's headers said, so a check and its reservation are one atomic step.
//
//   hash cooldown:budget:<key id>
//     paused                      wall ms until which the upstream asked for quiet (a 429)
//     wins                        learned windows: "requests/minute=60000;tokens/minute=60000"
//     <w>|lim <w>|rem <w>|rst <w>|obs   the window as last reported: limit, lowest remaining,
//                                 reset (wall ms), when heard
//     <w>|pa<i> <w>|ps<i>         pending ring: amounts sent and not yet answered, in 5 s slots
//                                 kept 2 minutes, and dropped at a reset when sent over a second
//                                 before it (a process that dies leaves nothing for longer)
//     <w>|ca<i> <w>|cs<i>         configured-limit ring: 12 slots of a window, as SlidingWindow
//     held                        a reservation was refused since the last answer: the next
//                                 answer publishes the hash's name on FREED_CHANNEL
//
// Rings are fixed sets of fields (slot i mod n, with the slot it holds), so the hash is bounded
// whatever the traffic; PEXPIRE forgets a key nobody used for two of its longest windows.

/** Where an answer that may have freed room on a key someone waits for is announced. */
export const FREED_CHANNEL = 'cooldown:budget-freed';

const COMMON = `
local k = KEYS[1]
local PSLOTS = 25
local CSLOTS = 13
local SETTLE_MARGIN_MS = 1000
local function num(v) if v == false or v == nil or v == '' then return nil end return tonumber(v) end
local function ringSum(prefix, slot, n)
  local fields = {}
  for i = 0, n - 1 do
    fields[#fields + 1] = prefix .. 'a' .. i
    fields[#fields + 1] = prefix .. 's' .. i
  end
  local v = redis.call('HMGET', k, unpack(fields))
  local sum = 0
  local bySlot = {}
  for i = 0, n - 1 do
    local a, s = num(v[2 * i + 1]), num(v[2 * i + 2])
    if a and s and s > slot - n and s <= slot then
      sum = sum + a
      bySlot[s] = a
    end
  end
  return sum, bySlot
end
-- Forgets the slots of a ring that ended by endMs (pending slots are 5 s).
local function ringDropBefore(prefix, n, endMs)
  local fields = {}
  for i = 0, n - 1 do fields[#fields + 1] = prefix .. 's' .. i end
  local v = redis.call('HMGET', k, unpack(fields))
  for i = 0, n - 1 do
    local s = num(v[i + 1])
    if s and (s + 1) * 5000 <= endMs then redis.call('HDEL', k, prefix .. 'a' .. i, prefix .. 's' .. i) end
  end
end
local function ringAdd(prefix, slot, n, amount, now_slot)
  if slot <= now_slot - n then return end
  local i = slot % n
  local held = num(redis.call('HGET', k, prefix .. 's' .. i))
  local a = 0
  if held == slot then
    a = num(redis.call('HGET', k, prefix .. 'a' .. i)) or 0
  elseif held and held > slot then
    return
  end
  a = a + amount
  if a < 0 then a = 0 end
  redis.call('HSET', k, prefix .. 's' .. i, slot, prefix .. 'a' .. i, a)
end
`;

/**
 * KEYS: budget hash. ARGV: now, reset buffer, use headers (1/0), pending slot, requests, tokens,
 * input tokens, output tokens, count of configured windows, then per window: name, window ms, limit;
 * count of seeds, then per seed: name, window ms, limit, remaining, reset ('' when unknown).
 * A seed is what this process learned about a window, used only when the hash knows nothing of it
 * (a Redis that restarted empty would otherwise let every process send as if the key were new).
 * Returns {wait ms} when something has no room, else {0, name, pending amount, ...}: what was
 * counted as pending, to be taken back when the answer comes.
 */
export const RESERVE = `${COMMON}
local now = tonumber(ARGV[1])
local buffer = tonumber(ARGV[2])
local useHeaders = ARGV[3] == '1'
local pslot = tonumber(ARGV[4])
local amounts = { requests = tonumber(ARGV[5]), tokens = tonumber(ARGV[6]),
  input_tokens = tonumber(ARGV[7]), output_tokens = tonumber(ARGV[8]) }
local function reserved(name, limit)
  local d = string.match(name, '^([^/]+)/')
  local a = amounts[d] or 0
  if limit == nil or a <= limit then return a end
  if d == 'output_tokens' then return limit end
  if d == 'tokens' and amounts.input_tokens <= limit then return limit end
  return a
end
-- Seeds: what this process learned about windows the hash does not know (Redis restarted empty).
local nConfigured = tonumber(ARGV[9])
local si = 10 + 3 * nConfigured
local wins = redis.call('HGET', k, 'wins') or ''
for _ = 1, tonumber(ARGV[si] or '0') do
  local name, ms = ARGV[si + 1], ARGV[si + 2]
  if not string.find(';' .. wins, ';' .. name .. '=', 1, true) then
    if wins ~= '' then wins = wins .. ';' end
    wins = wins .. name .. '=' .. ms
    redis.call('HSET', k, 'wins', wins, name .. '|obs', now)
    if ARGV[si + 3] ~= '' then redis.call('HSET', k, name .. '|lim', ARGV[si + 3]) end
    if ARGV[si + 4] ~= '' then redis.call('HSET', k, name .. '|rem', ARGV[si + 4]) end
    if ARGV[si + 5] ~= '' then redis.call('HSET', k, name .. '|rst', ARGV[si + 5]) end
  end
  si = si + 5
end
local wait = 0
local paused = num(redis.call('HGET', k, 'paused'))
if paused and paused > now then wait = paused - now end
local live = {}
local pend = {}
local longest = 120000
if useHeaders then
  if wins ~= '' then
    for name, ms in string.gmatch(wins, '([^=;]+)=(%d+)') do
      local windowMs = tonumber(ms)
      local f = redis.call('HMGET', k, name .. '|lim', name .. '|rem', name .. '|rst', name .. '|obs')
      local lim, rem, rst, obs = num(f[1]), num(f[2]), num(f[3]), num(f[4])
      if obs and now - obs <= 2 * windowMs then
        live[name] = true
        if 2 * windowMs > longest then longest = 2 * windowMs end
        if rst and now >= rst + buffer then
          -- Sent well before the window ended and never answered: the upstream counted it in that
          -- window (or its process died); the new window owes it nothing.
          ringDropBefore(name .. '|p', PSLOTS, rst - buffer - SETTLE_MARGIN_MS)
          rem = lim
          rst = nil
          redis.call('HDEL', k, name .. '|rst', name .. '|rem')
          if lim then redis.call('HSET', k, name .. '|rem', lim) end
        end
        local amount = reserved(name, lim)
        if amount > 0 then
          pend[#pend + 1] = name
          pend[#pend + 1] = amount
          if rem then
            local pending = ringSum(name .. '|p', pslot, PSLOTS)
            if rem - pending < amount then
              local til = (rst or (obs + windowMs)) + buffer
              wait = math.max(wait, til - now, 1)
            end
          end
        end
      end
    end
  end
end
local configured = {}
for j = 0, nConfigured - 1 do
  local name = ARGV[10 + 3 * j]
  local windowMs = tonumber(ARGV[11 + 3 * j])
  local limit = tonumber(ARGV[12 + 3 * j])
  local slotMs = windowMs / 12
  local slot = math.floor(now / slotMs)
  local amount = reserved(name, limit)
  configured[#configured + 1] = { name, slot, amount }
  if 2 * windowMs > longest then longest = 2 * windowMs end
  if not live[name] and amount > 0 then
    local used, bySlot = ringSum(name .. '|c', slot, CSLOTS)
    local over = used + amount - limit
    if over > 0 then
      local w = windowMs
      for s = slot - CSLOTS + 1, slot do
        local a = bySlot[s]
        if a then
          over = over - a
          if over <= 0 then
            w = (s + CSLOTS) * slotMs - now
            break
          end
        end
      end
      wait = math.max(wait, w, 1)
    end
  end
end
if wait > 0 then
  -- Someone waits on this key now: the next answer that frees room says so (see UPDATE).
  redis.call('HSET', k, 'held', 1)
  return { math.ceil(wait) }
end
for j = 1, #pend, 2 do ringAdd(pend[j] .. '|p', pslot, PSLOTS, pend[j + 1], pslot) end
for _, c in ipairs(configured) do
  if c[3] > 0 then ringAdd(c[1] .. '|c', c[2], CSLOTS, c[3], c[2]) end
end
redis.call('PEXPIRE', k, longest)
local reply = { 0 }
for j = 1, #pend do reply[#reply + 1] = pend[j] end
return reply
`;

/**
 * Everything that follows a reservation, in one call. KEYS: budget hash. ARGV: now, reset buffer,
 * pause until (0: none), pending slot, count of pending amounts to take back, then name and amount
 * each; count of reported windows, then name, window ms, limit, remaining, reset (wall ms; '' when
 * absent) each; count of configured corrections, then name, window ms, reservation's wall ms, delta.
 */
export const UPDATE = `${COMMON}
local now = tonumber(ARGV[1])
local buffer = tonumber(ARGV[2])
local pauseUntil = tonumber(ARGV[3])
local pslot = tonumber(ARGV[4])
local nowSlot = math.floor(now / 5000)
local i = 5
-- Whether this update may have made room (an answer came, headers spoke, an estimate was too high).
local freed = false
if pauseUntil > 0 then
  local paused = num(redis.call('HGET', k, 'paused'))
  if not paused or pauseUntil > paused then redis.call('HSET', k, 'paused', pauseUntil) end
end
local n = tonumber(ARGV[i]); i = i + 1
if n > 0 then freed = true end
for _ = 1, n do
  ringAdd(ARGV[i] .. '|p', pslot, PSLOTS, -tonumber(ARGV[i + 1]), nowSlot)
  i = i + 2
end
local longest = 120000
n = tonumber(ARGV[i]); i = i + 1
if n > 0 then freed = true end
for _ = 1, n do
  local name, windowMs = ARGV[i], tonumber(ARGV[i + 1])
  local limit, remaining, resetAt = num(ARGV[i + 2]), num(ARGV[i + 3]), num(ARGV[i + 4])
  i = i + 5
  if 2 * windowMs > longest then longest = 2 * windowMs end
  local wins = redis.call('HGET', k, 'wins') or ''
  if not string.find(';' .. wins, ';' .. name .. '=', 1, true) then
    if wins ~= '' then wins = wins .. ';' end
    redis.call('HSET', k, 'wins', wins .. name .. '=' .. windowMs)
  end
  if limit then redis.call('HSET', k, name .. '|lim', limit) end
  -- An answer about a window that already ended says nothing about this one.
  if resetAt == nil or resetAt > now then
    redis.call('HSET', k, name .. '|obs', now)
    local f = redis.call('HMGET', k, name .. '|rem', name .. '|rst')
    local rem, rst = num(f[1]), num(f[2])
    if rst and now >= rst + buffer then
      rem = nil
      rst = nil
    end
    if remaining then
      if rem == nil or resetAt == nil or rst == nil then
        redis.call('HSET', k, name .. '|rem', remaining)
        if resetAt then redis.call('HSET', k, name .. '|rst', resetAt) else redis.call('HDEL', k, name .. '|rst') end
      else
        -- Same window, answers out of order: the lowest remaining is the latest state.
        redis.call('HSET', k, name .. '|rem', math.min(rem, remaining), name .. '|rst', math.max(rst, resetAt))
      end
    end
  end
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local name, windowMs, at, delta = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  i = i + 4
  if delta < 0 then freed = true end
  local slotMs = windowMs / 12
  if 2 * windowMs > longest then longest = 2 * windowMs end
  ringAdd(name .. '|c', math.floor(at / slotMs), CSLOTS, delta, math.floor(now / slotMs))
end
if redis.call('PTTL', k) < longest then redis.call('PEXPIRE', k, longest) end
-- One message per refusal, not per answer: processes holding requests back for this key ask again.
if freed and redis.call('HDEL', k, 'held') == 1 then
  redis.call('PUBLISH', '${FREED_CHANNEL}', k)
end
return 1
`;

/** Milliseconds in a pending slot: `now / PENDING_SLOT_MS`, rounded down, names the slot. */
export const PENDING_SLOT_MS = 5_000;
