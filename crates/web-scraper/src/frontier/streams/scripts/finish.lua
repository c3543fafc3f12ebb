if redis.call('XACK', KEYS[1], 'crawlers', ARGV[1]) == 0 then return {-1, 0} end
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[5], 'retried', 1) end
local max = tonumber(ARGV[2])
local admitted, deduped = 0, 0
local next_exists = redis.call('EXISTS', KEYS[2]) == 1
for i = 7, #ARGV, 2 do
  local url = ARGV[i]
  if redis.call('SADD', KEYS[3], url) == 0 then
    deduped = deduped + 1
  else
    local robots = ARGV[i + 1] == '1'
    local take = robots
    if not robots and (max < 0 or tonumber(redis.call('GET', KEYS[4]) or '0') < max) then
      redis.call('INCR', KEYS[4])
      take = true
    end
    if take then
      if not next_exists then
        redis.call('XGROUP', 'CREATE', KEYS[2], 'crawlers', '0', 'MKSTREAM')
        next_exists = true
      end
      if robots then
        redis.call('XADD', KEYS[2], '*', 'url', url, 'robots', '1')
      else
        redis.call('XADD', KEYS[2], '*', 'url', url)
        admitted = admitted + 1
      end
    end
  end
end
redis.call('HINCRBY', KEYS[5], 'deduped', deduped + tonumber(ARGV[5]))
redis.call('HINCRBY', KEYS[5], 'out_of_scope', tonumber(ARGV[6]))
return {admitted, deduped}
