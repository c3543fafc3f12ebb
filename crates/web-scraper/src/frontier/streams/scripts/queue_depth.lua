-- A level's leased and queued counts; see QUEUE_DEPTH in protocol.rs.
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local leased = redis.call('XPENDING', KEYS[1], $GROUP)[1]
local queued = 0
for _, group in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  for i = 1, #group, 2 do
    if group[i] == 'name' and group[i + 1] ~= $GROUP then break end
    if group[i] == 'lag' and group[i + 1] then queued = group[i + 1] end
  end
end
return {leased, queued}
