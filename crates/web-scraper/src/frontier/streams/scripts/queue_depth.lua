if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local leased = redis.call('XPENDING', KEYS[1], ARGV[1])[1]
local queued = 0
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  for i = 1, #group, 2 do
    if group[i] == 'lag' and group[i + 1] then queued = group[i + 1] end
  end
end
return {leased, queued}
