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
//     <w>|pt <w>|pl               the pending ring's total, and the slot it was last recounted in
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
-- later: count slots after slot too (pending: a caller's slot comes from its own clock, and one
-- stamped just before a boundary can reach Redis after one stamped just after it).
local function ringSum(prefix, slot, n, later)
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
    if a and s and s > slot - n and (later or s <= slot) then
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
  local v = redis.call('HMGET', k, prefix .. 's' .. i, prefix .. 'a' .. i)
  local held = num(v[1])
  local a = 0
  if held == slot then
    a = num(v[2]) or 0
  elseif held and held > slot then
    return
  end
  a = a + amount
  if a < 0 then a = 0 end
  redis.call('HSET', k, prefix .. 's' .. i, slot, prefix .. 'a' .. i, a)
end
-- Writes gathered over a script and sent in one HSET at its end (writes are what costs here).
local set = {}
local function put(field, value)
  set[#set + 1] = field
  set[#set + 1] = value
end
local function flush()
  if #set > 0 then redis.call('HSET', k, unpack(set)) end
end
`;

/**
 * KEYS: budget hash. ARGV: now, reset buffer, use headers (1/0), pending slot, requests, tokens,
 * input tokens, output tokens, count of configured windows, then per window: name, window ms, limit;
 * count of seeds, then per seed: name, window ms, limit, remaining, reset ('' when unknown); then
 * the probe's ms (0: none): how long one unlearned request holds the key for all processes.
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
-- The pending ring keeps its total in <w>|pt, recounted from the slots once per slot (<w>|pl names
-- the slot it was counted in), so a reservation reads one field instead of the whole ring.
local function pendingOf(name, slot, total, counted)
  if total and counted == slot then return total end
  local sum = ringSum(name .. '|p', slot, PSLOTS, true)
  put(name .. '|pl', slot)
  return sum
end
-- Counts a reservation in its slot of a window's pending ring, given what HMGET read of that slot;
-- an index a later slot holds already (a caller whose clock is ahead) is left to it.
local function pendAdd(name, slot, amount, held, a, total)
  if held and held > slot then
    put(name .. '|pt', total)
    return
  end
  if held ~= slot then a = 0 end
  local i = slot % PSLOTS
  put(name .. '|ps' .. i, slot)
  put(name .. '|pa' .. i, a + amount)
  put(name .. '|pt', total + amount)
end
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
local head = redis.call('HMGET', k, 'wins', 'paused', 'ex', 'probe')
local wins, paused, expiredIn, probe = head[1] or '', num(head[2]), num(head[3]), num(head[4])
-- Seeds: what this process learned about windows the hash does not know (Redis restarted empty).
-- Rare, and read back below: written at once.
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
local probeMs = tonumber(ARGV[si + 1] or '0')
local wait = 0
if paused and paused > now then wait = paused - now end
local live = {}
local pend = {}
local longest = 120000
local pi = pslot % PSLOTS
if useHeaders and wins ~= '' then
  -- Every learned window's state in one read.
  local names, fields = {}, {}
  for name, ms in string.gmatch(wins, '([^=;]+)=(%d+)') do
    names[#names + 1] = { name, tonumber(ms) }
    for _, f in ipairs({ '|lim', '|rem', '|rst', '|obs', '|pt', '|pl', '|ps' .. pi, '|pa' .. pi }) do
      fields[#fields + 1] = name .. f
    end
  end
  local v = redis.call('HMGET', k, unpack(fields))
  for w, nw in ipairs(names) do
    local name, windowMs = nw[1], nw[2]
    local o = (w - 1) * 8
    local lim, rem, rst, obs = num(v[o + 1]), num(v[o + 2]), num(v[o + 3]), num(v[o + 4])
    local total, counted = num(v[o + 5]), num(v[o + 6])
    local held, heldAmount = num(v[o + 7]), num(v[o + 8]) or 0
    if obs and now - obs <= 2 * windowMs then
      live[name] = true
      if 2 * windowMs > longest then longest = 2 * windowMs end
      if rst and now >= rst + buffer then
        -- Sent well before the window ended and never answered: the upstream counted it in that
        -- window (or its process died); the new window owes it nothing.
        ringDropBefore(name .. '|p', PSLOTS, rst - buffer - SETTLE_MARGIN_MS)
        counted = nil
        rem = lim
        rst = nil
        redis.call('HDEL', k, name .. '|rst', name .. '|rem')
        if lim then put(name .. '|rem', lim) end
      end
      local amount = reserved(name, lim)
      if amount > 0 then
        local pending = pendingOf(name, pslot, total, counted)
        pend[#pend + 1] = { name, amount, held, heldAmount, pending }
        if rem and rem - pending < amount then
          local til = (rst or (obs + windowMs)) + buffer
          -- Full with sends not yet answered and no reset ahead: their answers wake the waiters
          -- (held, PUBLISH); until then it asks again each second, not each millisecond.
          if til - now < 1 then til = now + 1000 end
          wait = math.max(wait, til - now)
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
-- The hash outlives two of its longest windows unused; refreshed once a pending slot, not per call,
-- and only once the hash exists (PEXPIRE on a key not yet written does nothing).
local function expire(slot)
  flush()
  if expiredIn ~= slot or redis.call('PTTL', k) < 0 then
    redis.call('PEXPIRE', k, longest)
    redis.call('HSET', k, 'ex', slot)
  end
end
-- A key no process has heard from yet (or not lately) gets one request at a time across all of
-- them, until an answer says what its limits are: sends made before then are counted nowhere.
local probing = false
if probeMs > 0 and useHeaders and next(live) == nil then
  if probe and probe > now then
    wait = math.max(wait, probe - now)
  else
    probing = true
  end
end
if wait > 0 then
  -- Someone waits on this key now: the next answer that frees room says so (see UPDATE).
  put('held', 1)
  -- A recount made above stays true, but only with the total it counted.
  for _, p in ipairs(pend) do put(p[1] .. '|pt', p[5]) end
  expire(pslot)
  return { math.ceil(wait) }
end
for _, p in ipairs(pend) do pendAdd(p[1], pslot, p[2], p[3], p[4], p[5]) end
if probing then put('probe', now + probeMs) end
for _, c in ipairs(configured) do
  if c[3] > 0 then ringAdd(c[1] .. '|c', c[2], CSLOTS, c[3], c[2]) end
end
expire(pslot)
local reply = { 0 }
for _, p in ipairs(pend) do
  reply[#reply + 1] = p[1]
  reply[#reply + 1] = p[2]
end
return reply
`;

/**
 * Everything that follows reservations, in one call: the answers one process heard on a key in
 * the same moment are sent together. KEYS: budget hash. ARGV: now, reset buffer, pause until (0:
 * none), count of pending amounts to take back, then name, amount and reservation's pending slot
 * each; count of reported windows, then name, window ms, limit, remaining, reset (wall ms; '' when
 * absent) each, in the order heard; count of configured corrections, then name, window ms,
 * reservation's wall ms, delta.
 */
export const UPDATE = `${COMMON}
local now = tonumber(ARGV[1])
local buffer = tonumber(ARGV[2])
local pauseUntil = tonumber(ARGV[3])
local nowSlot = math.floor(now / 5000)
local nBack = tonumber(ARGV[4])
local ri = 5 + 3 * nBack
local nReported = tonumber(ARGV[ri])
local ci = ri + 1 + 5 * nReported
-- Takebacks grouped by window and slot: several answers in one call may share both.
local groups, gorder, taken, names = {}, {}, {}, {}
for j = 0, nBack - 1 do
  local name, amount, slot = ARGV[5 + 3 * j], tonumber(ARGV[6 + 3 * j]), tonumber(ARGV[7 + 3 * j])
  local id = name .. ' ' .. slot
  local g = groups[id]
  if not g then
    g = { name, slot, 0 }
    groups[id] = g
    gorder[#gorder + 1] = g
  end
  g[3] = g[3] + amount
  if not taken[name] then
    taken[name] = 0
    names[#names + 1] = name
  end
end
local reported, rnames = {}, {}
for j = 0, nReported - 1 do
  local name = ARGV[ri + 1 + 5 * j]
  if not reported[name] then
    reported[name] = {}
    rnames[#rnames + 1] = name
  end
end
-- Everything read first, in one HMGET.
local fields = { 'paused', 'ex', 'wins', 'held', 'probe' }
for _, g in ipairs(gorder) do
  local i = g[2] % PSLOTS
  fields[#fields + 1] = g[1] .. '|ps' .. i
  fields[#fields + 1] = g[1] .. '|pa' .. i
end
for _, name in ipairs(names) do fields[#fields + 1] = name .. '|pt' end
for _, name in ipairs(rnames) do
  fields[#fields + 1] = name .. '|rem'
  fields[#fields + 1] = name .. '|rst'
end
local v = redis.call('HMGET', k, unpack(fields))
local paused, expiredIn, wins, held = num(v[1]), num(v[2]), v[3] or '', v[4]
-- An answer came: the probe's lock (if any) goes; what it said is below.
if num(v[5]) then put('probe', 0) end
local o = 5
-- Whether this update may have made room (an answer came, headers spoke, an estimate was too high).
local freed = nBack > 0 or nReported > 0
if pauseUntil > 0 and (not paused or pauseUntil > paused) then put('paused', pauseUntil) end
for _, g in ipairs(gorder) do
  local name, slot, amount = g[1], g[2], g[3]
  local h, a = num(v[o + 1]), num(v[o + 2]) or 0
  o = o + 2
  -- A slot that is gone no longer counts anywhere: nothing to take back from it.
  if slot > nowSlot - PSLOTS and h == slot then
    local next = math.max(0, a - amount)
    put(name .. '|pa' .. (slot % PSLOTS), next)
    taken[name] = taken[name] + (a - next)
  end
end
for _, name in ipairs(names) do
  local pt = num(v[o + 1])
  o = o + 1
  if pt then put(name .. '|pt', math.max(0, pt - taken[name])) end
end
for _, name in ipairs(rnames) do
  local rem, rst = num(v[o + 1]), num(v[o + 2])
  o = o + 2
  reported[name].rem, reported[name].rst = rem, rst
  if rst and now >= rst + buffer then
    -- The window ended, and this answer hears it first: what was sent well before its end and
    -- never answered stops counting here too, as at a reservation (RESERVE), and the total is
    -- counted again.
    ringDropBefore(name .. '|p', PSLOTS, rst - buffer - SETTLE_MARGIN_MS)
    put(name .. '|pl', -1)
  end
end
local winsBefore = wins
local longest = 120000
for j = 0, nReported - 1 do
  local a = ri + 1 + 5 * j
  local name, windowMs = ARGV[a], tonumber(ARGV[a + 1])
  local limit, remaining, resetAt = num(ARGV[a + 2]), num(ARGV[a + 3]), num(ARGV[a + 4])
  local w = reported[name]
  if 2 * windowMs > longest then longest = 2 * windowMs end
  if not string.find(';' .. wins, ';' .. name .. '=', 1, true) then
    if wins ~= '' then wins = wins .. ';' end
    wins = wins .. name .. '=' .. windowMs
  end
  if limit then w.lim = limit end
  -- An answer about a window that already ended says nothing about this one.
  if resetAt == nil or resetAt > now then
    w.obs = now
    local rem, rst = w.rem, w.rst
    if rst and now >= rst + buffer then
      rem = nil
      rst = nil
    end
    if remaining then
      w.changed = true
      if rem == nil or resetAt == nil or rst == nil then
        w.rem, w.rst = remaining, resetAt
      else
        -- Same window, answers out of order: the lowest remaining is the latest state.
        w.rem, w.rst = math.min(rem, remaining), math.max(rst, resetAt)
      end
    end
  end
end
for _, name in ipairs(rnames) do
  local w = reported[name]
  if w.lim then put(name .. '|lim', w.lim) end
  if w.obs then put(name .. '|obs', w.obs) end
  if w.changed then
    put(name .. '|rem', w.rem)
    if w.rst then put(name .. '|rst', w.rst) else redis.call('HDEL', k, name .. '|rst') end
  end
end
if wins ~= winsBefore then put('wins', wins) end
local n = tonumber(ARGV[ci])
local i = ci + 1
for _ = 1, n do
  local name, windowMs, at, delta = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3])
  i = i + 4
  if delta < 0 then freed = true end
  local slotMs = windowMs / 12
  if 2 * windowMs > longest then longest = 2 * windowMs end
  ringAdd(name .. '|c', math.floor(at / slotMs), CSLOTS, delta, math.floor(now / slotMs))
end
flush()
if expiredIn ~= nowSlot then
  if redis.call('PTTL', k) < longest then redis.call('PEXPIRE', k, longest) end
  redis.call('HSET', k, 'ex', nowSlot)
end
-- One message per refusal, not per answer: processes holding requests back for this key ask again.
if freed and held then
  redis.call('HDEL', k, 'held')
  redis.call('PUBLISH', '${FREED_CHANNEL}', k)
end
return 1
`;

/** Milliseconds in a pending slot: `now / PENDING_SLOT_MS`, rounded down, names the slot. */
export const PENDING_SLOT_MS = 5_000;
