-- A lease with a fencing epoch, on the server's clock; atomic.
--
-- KEYS[1]  the lease: a hash of owner, epoch and until (server time in ms)
-- ARGV[1]  the operation: acquire | renew | release | state
-- ARGV[2]  owner (acquire, renew, release)
-- ARGV[3]  ttl in ms (acquire) or the holder's epoch (renew, release)
-- ARGV[4]  ttl in ms (renew)
--
-- acquire: {1, owner, epoch, remaining ms} when taken or renewed by its holder,
--          {0, holder, epoch, remaining ms} when another owner holds it.
--          Every acquisition but a holder's own raises the epoch.
-- renew, release: 1 when the owner held the lease at that epoch, else 0.
-- state: {holder or "", epoch, remaining ms}.
--
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', KEYS[1], 'owner', 'epoch', 'until')
local owner = h[1] or ''
local epoch = tonumber(h[2] or '0')
local untilMs = tonumber(h[3] or '0')
local live = owner ~= '' and untilMs > now
local op = ARGV[1]
if op == 'state' then
  if live then return {owner, epoch, untilMs - now} end
  return {'', epoch, 0}
end
if op == 'acquire' then
  local ttl = tonumber(ARGV[3])
  if live and owner ~= ARGV[2] then return {0, owner, epoch, untilMs - now} end
  if not (live and owner == ARGV[2]) then epoch = epoch + 1 end
  redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'epoch', epoch, 'until', now + ttl)
  return {1, ARGV[2], epoch, ttl}
end
if owner ~= ARGV[2] or epoch ~= tonumber(ARGV[3]) then return 0 end
if op == 'renew' then
  redis.call('HSET', KEYS[1], 'until', now + tonumber(ARGV[4]))
else
  redis.call('HSET', KEYS[1], 'owner', '', 'until', 0)
end
return 1
