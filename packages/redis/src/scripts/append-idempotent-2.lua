-- Appends an entry to a stream unless its message id was appended within the
-- dedupe window; atomic, and both keys live in the same cluster slot.
--
-- KEYS[1]  the stream
-- KEYS[2]  the dedupe record of the message id (holds the entry id)
-- ARGV[1]  dedupe window in milliseconds
-- ARGV[2…] XADD arguments after the key: [NOMKSTREAM] [MAXLEN|MINID ~|= n [LIMIT l]] id field value …
--
-- Returns {entry id, 0} after an append, {first entry id, 1} for a duplicate,
-- and {"", 0} when NOMKSTREAM found no stream.
--
local first = redis.call('GET', KEYS[2])
if first then
  return {first, 1}
end
local id = redis.call('XADD', KEYS[1], unpack(ARGV, 2))
if not id then
  return {'', 0}
end
redis.call('SET', KEYS[2], id, 'PX', ARGV[1])
return {id, 0}
