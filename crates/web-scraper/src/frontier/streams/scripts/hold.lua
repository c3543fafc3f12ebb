-- Renews or hands back a crawler's leases; see HOLD in protocol.rs.
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
local held = 0
for i = 4, #ARGV do
  local lease = redis.call('XPENDING', KEYS[1], $GROUP, ARGV[i], ARGV[i], 1)
  if lease[1] and lease[1][2] == ARGV[1] then
    redis.call('XCLAIM', KEYS[1], $GROUP, ARGV[1], 0, ARGV[i], 'IDLE', ARGV[2], 'JUSTID')
    held = held + 1
  end
end
return held
