-- Acknowledges a batch of pages of one level; see ACKNOWLEDGE in protocol.rs.
local max = tonumber(redis.call('GET', KEYS[6]))
local next_exists = redis.call('EXISTS', KEYS[2]) == 1
local replies = {}
local i = 1
while i <= #ARGV do
  local id, outcome, retried = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local deduped_here, out_of_scope = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local links = tonumber(ARGV[i + 5])
  local first, last = i + 6, i + 5 + 2 * links
  i = last + 1
  if redis.call('XACK', KEYS[1], $GROUP, id) == 0 then
    replies[#replies + 1] = {'lease_lost'}
  else
    redis.call('HINCRBY', KEYS[5], outcome, 1)
    if retried == '1' then redis.call('HINCRBY', KEYS[5], $RETRIED, 1) end
    local admitted, deduped = 0, 0
    for j = first, last, 2 do
      local url = ARGV[j]
      if redis.call('SADD', KEYS[3], url) == 0 then
        deduped = deduped + 1
      else
        local robots = ARGV[j + 1] == '1'
        local take = robots
        if not robots and (not max or tonumber(redis.call('GET', KEYS[4]) or '0') < max) then
          redis.call('INCR', KEYS[4])
          take = true
        end
        if take then
          if not next_exists then
            redis.call('XGROUP', 'CREATE', KEYS[2], $GROUP, '0', 'MKSTREAM')
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
    redis.call('HINCRBY', KEYS[5], $DEDUPED, deduped + deduped_here)
    redis.call('HINCRBY', KEYS[5], $OUT_OF_SCOPE, out_of_scope)
    replies[#replies + 1] = {'taken', admitted, deduped}
  end
end
return replies
