-- A fenced write: applied only while the writer holds its lease at its epoch;
-- atomic. On a Redis Cluster every key shares the lease's slot.
--
-- KEYS[1]     the lease (see lease-1.lua)
-- KEYS[2…]    the streams and hashes the operations name by index
-- ARGV[1]     owner
-- ARGV[2]     epoch
-- ARGV[3…]    operations, each `code, key index, n, <n arguments>`:
--               X  XADD, the arguments after the key; its id is returned
--               F  XADD as X, a follow-up: its failure fails nothing else
--               A  XACK, the arguments after the key (group, ids…)
--               H  HSET, field value …
--               D  HDEL, field …
--
-- Returns {1, the first follow-up's error or "", id of each X…} ("" where
-- NOMKSTREAM found no stream), or
-- {0, holder or "", epoch} when the lease is not held at that epoch (nothing
-- is written then).
--
local h = redis.call('HMGET', KEYS[1], 'owner', 'epoch')
if h[1] ~= ARGV[1] or tonumber(h[2] or '0') ~= tonumber(ARGV[2]) then
  return {0, h[1] or '', tonumber(h[2] or '0')}
end
local out = {1, ''}
local i = 3
local n = #ARGV
while i <= n do
  local code = ARGV[i]
  local key = KEYS[tonumber(ARGV[i + 1])]
  local count = tonumber(ARGV[i + 2])
  local first = i + 3
  local last = first + count - 1
  if code == 'X' then
    out[#out + 1] = redis.call('XADD', key, unpack(ARGV, first, last)) or ''
  elseif code == 'F' then
    local r = redis.pcall('XADD', key, unpack(ARGV, first, last))
    if type(r) == 'table' and r.err and out[2] == '' then out[2] = r.err end
  elseif code == 'A' then
    redis.call('XACK', key, unpack(ARGV, first, last))
  elseif code == 'H' then
    redis.call('HSET', key, unpack(ARGV, first, last))
  elseif code == 'D' then
    redis.call('HDEL', key, unpack(ARGV, first, last))
  end
  i = last + 1
end
return out
