-- Whether a level is over; see ADVANCE in protocol.rs.
if redis.call('XPENDING', KEYS[1], $GROUP)[1] > 0 then return 'wait' end
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('XLEN', KEYS[2]) > 0 then
  if tonumber(redis.call('GET', KEYS[4]) or '0') < tonumber(ARGV[1]) then
    redis.call('SET', KEYS[4], ARGV[1])
  end
  return 'next'
end
redis.call('SET', KEYS[3], '1')
return 'finished'
