local existing = redis.call('GET', KEYS[1])
if existing then
  if existing ~= ARGV[1] then return {'mismatch', existing} end
  if redis.call('EXISTS', KEYS[5]) == 1 then return {'finished', existing} end
  redis.call('HSET', KEYS[6], ARGV[5], ARGV[6])
  return {'joined', existing}
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[6], ARGV[5], ARGV[6])
redis.call('XGROUP', 'CREATE', KEYS[4], 'crawlers', '0', 'MKSTREAM')
redis.call('SADD', KEYS[2], ARGV[2])
if ARGV[3] == '1' then
  redis.call('XADD', KEYS[4], '*', 'url', ARGV[2], 'robots', '1')
elseif tonumber(ARGV[4]) ~= 0 then
  redis.call('INCR', KEYS[3])
  redis.call('XADD', KEYS[4], '*', 'url', ARGV[2])
end
return {'created', ARGV[1]}
