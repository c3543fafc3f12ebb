-- Joins a crawl, creating it if it is new; see JOIN in protocol.rs.
local existing = redis.call('GET', KEYS[1])
if existing then
  if existing ~= ARGV[1] then return {'mismatch', existing} end
  if redis.call('EXISTS', KEYS[5]) == 1 then return {'finished'} end
  redis.call('HSET', KEYS[6], ARGV[4], ARGV[5])
  return {'under_way'}
end
local max = tonumber(ARGV[6])
redis.call('SET', KEYS[1], ARGV[1])
if max then redis.call('SET', KEYS[7], max) end
redis.call('HSET', KEYS[6], ARGV[4], ARGV[5])
redis.call('XGROUP', 'CREATE', KEYS[4], $GROUP, '0', 'MKSTREAM')
redis.call('SADD', KEYS[2], ARGV[2])
if ARGV[3] == '1' then
  redis.call('XADD', KEYS[4], '*', 'url', ARGV[2], 'robots', '1')
elseif not max or max > 0 then
  redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[4], '*', 'url', ARGV[2])
end
return {'created'}
